"""The platform's pydantic base model: pydantic's own, with each model's validator built on first use.

Building a model's validator and serializer is most of what defining the model costs (about 1 ms a
model, 40 ms of a function's cold start over the models it imports); most invocations use a few of
them. ``defer_build`` builds each on its first validation, serialization or schema instead; the
config is inherited, so every model of the platform derives from this one (a model's own
``model_config`` adds to it).
"""

from __future__ import annotations

import pydantic


class BaseModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(defer_build=True)
