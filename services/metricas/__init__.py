"""The admins' business metrics: the consumer that counts the order events once, aggregated on write
(``consumer``), and the routes that read them (``/metricas``, ``/metricas/empleados``, ``/metricas/horas``)."""
