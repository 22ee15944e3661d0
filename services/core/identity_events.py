"""The detail of each identity event on the platform's bus (source ``bembos.identity``).

Producers (users, employees services) build these models and publish ``model_dump(mode="json")``;
consumers (the email notifier) validate the incoming ``detail`` with the same model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from core.models import BaseModel


class _Detail(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    tenant_id: Annotated[str, Field(min_length=1, max_length=63)]


class CustomerRegisteredDetail(_Detail):
    """``CustomerRegistered``: a customer verified its address; the notifier sends the welcome email."""

    tenant_name: str
    customer_id: str
    customer_name: str
    email: str


class CustomerLinkDetail(CustomerRegisteredDetail):
    """``CustomerVerificationRequested`` / ``CustomerPasswordResetRequested``: the email carries the one-time
    ``url`` (the customer app's page, the token in its fragment), valid until ``expires_at``."""

    url: str
    expires_at: datetime


class CustomerRegistrationRepeatedDetail(CustomerRegisteredDetail):
    """``CustomerRegistrationRepeated``: someone registered a verified address again; its owner hears of it
    (with the app's login and password-reset pages) instead of the caller learning that the address exists."""

    login_url: str
    reset_url: str


class EmployeeInvitedDetail(_Detail):
    """``EmployeeInvited``: a staff member was invited; the email carries the one-time ``invite_url``."""

    tenant_name: str
    employee_id: str
    employee_name: str
    email: str
    rol: str
    location_id: str
    invite_url: str
    expires_at: datetime


class EmployeeInvitationRequestedDetail(_Detail):
    """``EmployeeInvitationRequested``: tenant onboarding asks the employees worker to invite an employee."""

    employee_id: Annotated[str, Field(min_length=1, max_length=64)]
