"""Reference data: channels (R45), tags, industries (GB/T 4754-2017, read only)."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import Field
from ninja import Router
from ninja.responses import Status

from kehu.accounts.models import User
from kehu.core.errors import NotFound, ValidationError
from kehu.core.schemas import ERRORS, WRITE_ERRORS, Id
from kehu.customers import services
from kehu.customers.models import Channel, Industry, Tag
from kehu.integrations import messages
from kehu.customers.schemas import ChannelIn, ChannelOut, ChannelPatch, IndustryOut, TagIn, TagOut, Text

router = Router(tags=["reference data"])

# The inputs as the services take them (names required and unique, the columns' lengths), so the
# document says what is accepted instead of letting anything through to a 422.
ChannelName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]
ChannelTool = Annotated[str, Field(max_length=200)]


class ChannelCreate(ChannelIn):
    name: ChannelName
    tool: ChannelTool = ""


class ChannelUpdate(ChannelPatch):
    """Only the fields sent change; none of them may be null (a channel is active or not)."""

    name: ChannelName = None  # type: ignore[assignment]
    tool: ChannelTool = None  # type: ignore[assignment]
    description: Text = None  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]


class TagCreate(TagIn):
    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"\S")]


@router.get("/channels", response={200: list[ChannelOut]} | ERRORS)
def list_channels(request, include_inactive: bool = False):
    queryset = Channel.objects.all() if include_inactive else Channel.objects.filter(is_active=True)
    return list(queryset.order_by("name"))


@router.get("/channels/{channel_id}", response={200: ChannelOut} | ERRORS)
def get_channel(request, channel_id: Id):
    found = Channel.objects.filter(pk=channel_id).first()
    if found is None:
        raise NotFound(channel_id)
    return found


def _active_user(user_id):
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError({"owner": [messages.text("owner_inactive")]})
    return user


@router.post("/channels", response={201: ChannelOut} | WRITE_ERRORS)
def create_channel(request, payload: ChannelCreate):
    data = payload.dict(exclude_unset=True)
    owner = _active_user(data.pop("owner", None))
    return Status(201, services.channel_create(request.auth, owner=owner, **data))


@router.patch("/channels/{channel_id}", response={200: ChannelOut} | WRITE_ERRORS)
def update_channel(request, channel_id: Id, payload: ChannelUpdate):
    if not Channel.objects.filter(pk=channel_id).exists():
        raise NotFound(channel_id)
    return services.channel_update(request.auth, channel_id, **payload.dict(exclude_unset=True))


@router.get("/tags", response={200: list[TagOut]} | ERRORS)
def list_tags(request):
    return list(Tag.objects.order_by("group", "name"))


@router.post("/tags", response={201: TagOut} | WRITE_ERRORS)
def create_tag(request, payload: TagCreate):
    return Status(201, services.tag_create(request.auth, **payload.dict()))


@router.get("/industries", response={200: list[IndustryOut]} | ERRORS)
def list_industries(request, q: str | None = None, level: Annotated[int, Field(ge=1, le=2)] | None = None):
    """GB/T 4754-2017 sections (level 1) and divisions (level 2); `q` matches code or name."""
    queryset = Industry.objects.all()
    if level is not None:
        queryset = queryset.filter(level=level)
    if q:
        queryset = queryset.filter(Q(code__iexact=q) | Q(name_zh__contains=q) | Q(name_en__icontains=q))
    return list(queryset.order_by("code"))
