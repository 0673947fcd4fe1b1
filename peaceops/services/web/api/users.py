from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from peaceops.domain.access import User
from peaceops.services.web.api.schemas import (
    Page,
    UserCreate,
    UserCreated,
    UserPublic,
    UserUpdate,
)
from peaceops.services.web.deps import Admin, LoggedIn, PlatformDep

router = APIRouter(prefix="/users", tags=["users"])


def _public(user: User) -> UserPublic:
    return UserPublic.model_validate(asdict(user))


@router.get("", response_model=Page[UserPublic])
def read_users(platform: PlatformDep, by: Admin) -> Page[UserPublic]:
    rows = [_public(u) for u in platform.accounts.list_users(by=by)]
    return Page(data=rows, count=len(rows))


@router.get("/me", response_model=UserPublic)
def read_me(platform: PlatformDep, by: LoggedIn) -> UserPublic:
    return _public(platform.accounts.get_user(by.user_id or 0, by=by))


@router.get("/{user_id}", response_model=UserPublic)
def read_user(user_id: int, platform: PlatformDep, by: Admin) -> UserPublic:
    return _public(platform.accounts.get_user(user_id, by=by))


@router.post("", response_model=UserCreated, status_code=201)
def create_user(body: UserCreate, platform: PlatformDep, by: Admin) -> UserCreated:
    user, one_time = platform.accounts.create_user(
        username=body.username,
        role=body.role,
        display_name=body.display_name,
        email=body.email,
        actor_id=body.actor_id,
        language=body.language,
        password=body.password,
        by=by,
    )
    return UserCreated(**_public(user).model_dump(), one_time_password=one_time)


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(user_id: int, body: UserUpdate, platform: PlatformDep, by: Admin) -> UserPublic:
    changes = body.model_dump(exclude_unset=True)
    return _public(platform.accounts.update_user(user_id, changes, by=by))
