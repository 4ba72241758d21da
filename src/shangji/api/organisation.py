"""/organisation: the organisation settings (everyone reads; administrators change)."""

from ninja import Field, Router, Schema

from shangji.users.models import Organization
from shangji.users.services import organization_update

from .errors import AUTH_ERRORS, WRITE_ERRORS
from .schemas import PatchSchema

router = Router(tags=["organisation"])


class OrganisationOut(Schema):
    name: str
    everyone_reads_all: bool = Field(
        description="Every user reads every opportunity (editing rules stay)."
    )
    account_required: bool = Field(description="An opportunity needs an account.")
    fiscal_year_start_month: int = Field(
        description="1 = January; quarters and years of quotas and forecasts follow it."
    )


class OrganisationPatch(PatchSchema):
    name: str = None  # type: ignore[assignment]
    everyone_reads_all: bool = None  # type: ignore[assignment]
    account_required: bool = None  # type: ignore[assignment]
    fiscal_year_start_month: int = Field(None, ge=1, le=12)


@router.get(
    "/organisation",
    response={200: OrganisationOut, **AUTH_ERRORS},
    summary="Read the organisation settings",
)
def get_organisation(request):
    return Organization.current()


@router.patch(
    "/organisation",
    response={200: OrganisationOut, **WRITE_ERRORS},
    summary="Change the organisation settings",
    description="Administrators only. Send only the fields to change.",
)
def update_organisation(request, payload: OrganisationPatch):
    return organization_update(actor=request.auth, **payload.changes())
