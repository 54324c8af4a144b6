"""Group-buy platforms (美团, 抖音来客): one adapter interface, two implementations, and a
simulated platform server for development and tests (``python -m pos_central.platforms.simulator``).

See docs/cross-channel.md.
"""

from pos_central.platforms.adapter import (  # noqa: F401
    PLATFORMS,
    PlatformAdapter,
    PlatformDown,
    PlatformError,
    PlatformRefused,
    PreparedVoucher,
    Verification,
    adapter_for,
)
