"""Child process for the crash-safety test: sells in a loop and reports each committed sale.

    python -m tests.services.crash_child DB_PATH TERMINAL_ID MEMBER_ID

Prints one line per committed sale (``<sale id>``) and flushes, so the parent knows exactly
which sales the till reported as done before it was killed.
"""

from __future__ import annotations

import random
import sys
import uuid
from decimal import Decimal

from pos_member.security.roles import Role
from pos_member.services.checkout import (
    CartLine, CheckoutRequest, Tender, checkout, quote_basket,
)
from pos_member.services.context import TillContext
from pos_member.services.staff import StaffMember
from pos_member.store.db import create_engine_for, session_factory


def main() -> None:
    db, terminal_id, member_id = sys.argv[1:4]
    ctx = TillContext(sessions=session_factory(create_engine_for(db)), terminal_id=terminal_id,
                      store_id="demo-store")
    manager = StaffMember("S001", "manager", Role.MANAGER)  # may spend points directly
    rng = random.Random()
    skus = ["C002", "T003", "B001", "R001", "M003"]
    while True:
        lines = tuple(CartLine(rng.choice(skus), Decimal(rng.randint(1, 3)))
                      for _ in range(rng.randint(1, 6)))
        member = member_id if rng.random() < 0.6 else None
        # Price first (as the screen does) to know the total, then pay it exactly by card.
        redeem = 1 if member else 0
        quote = quote_basket(ctx, lines, member, redeem_points=redeem)
        if quote.points_redeemed < redeem:  # the offline daily limit is reached
            redeem = 0
            quote = quote_basket(ctx, lines, member)
        req = CheckoutRequest(str(uuid.uuid4()), manager, lines, (Tender("card", quote.total),),
                              member_id=member, redeem_points=redeem)
        result = checkout(ctx, req)
        print(result.sale_id, flush=True)


if __name__ == "__main__":
    main()
