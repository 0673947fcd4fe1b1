from __future__ import annotations

from fastapi import APIRouter, Response

from peaceops.services.web.api.schemas import Page, TokenCreate, TokenCreated, TokenPublic
from peaceops.services.web.deps import PlatformDep, TokenOwner, TokenUser

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", response_model=Page[TokenPublic])
def read_tokens(platform: PlatformDep, by: TokenUser) -> Page[TokenPublic]:
    rows = [TokenPublic.model_validate(t) for t in platform.accounts.list_tokens(by=by)]
    return Page(data=rows, count=len(rows))


@router.post("", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, platform: PlatformDep, by: TokenUser) -> TokenCreated:
    """A new API token for the caller; the token is shown in this answer only."""
    new = platform.accounts.create_token(
        body.name, by=by, days=body.days, scopes=frozenset(body.scopes)
    )
    return TokenCreated(
        id=new.id, token=new.token, expires_at=new.expires_at, scopes=sorted(new.scopes)
    )


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: int, platform: PlatformDep, by: TokenOwner) -> Response:
    platform.accounts.revoke_token(token_id, by=by)
    return Response(status_code=204)
