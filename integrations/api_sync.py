"""Member sync from the association's member system (`members:write`)."""

from ninja import Router

router = Router(tags=["member sync"])
