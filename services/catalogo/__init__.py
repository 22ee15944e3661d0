"""The catalog shared by the ``productos``, ``combos`` and ``locales`` microservices: models, logic, DAL, runtime."""
