"""The workflow's waiting stages: the queue consumers (PagadoACocina, CocinaAEmpaquetamiento,
EmpaquetamientoADelivery) and the staff routes (``/cocina``, ``/empaquetamiento``, ``/delivery``)."""
