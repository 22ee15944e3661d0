"""Loyalty points: the consumer that credits a delivered order's points once and takes them back when its payment
is refunded (``consumer``), and the routes that read a balance and its ledger (``/perfil/puntos``,
``/clientes/{customer_id}/puntos``)."""
