"""Camera frames of a member code shown on a phone, made the way a till's camera sees them.

A phone (dark body, rounded corners, a lit screen with the app's header and the member code as a
QR code, a little smaller than the screen) is drawn, then put on a counter in front of the
camera: turned and tilted (a perspective transform, as a hand holds it), lit by a lamp whose
reflection washes over part of the screen (glare), out of focus (blur), with sensor noise, and
compressed as a webcam's MJPEG stream is. 640x480, like the cheap USB cameras tills use.

``python -m tests.ui.phone_frames`` rewrites the recorded frames in ``fixtures/camera/`` (the
tests read the saved files; the generator is kept so they can be made again).
"""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pos_member.security.member_codes import make_static_code

FIXTURES = Path(__file__).parent / "fixtures" / "camera"
CARD_CODE = make_static_code("8000000001")   # the demo gold member's card
SIZE = (640, 480)


def _font(size: int):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                 "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def phone_screen(payload: str, width: int = 360, height: int = 740) -> Image.Image:
    """The phone: body, screen with a header bar and the code (what the member's app shows)."""
    body = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(body)
    d.rounded_rectangle((0, 0, width - 1, height - 1), radius=46, fill=(28, 28, 32, 255))
    sx0, sy0, sx1, sy1 = 16, 40, width - 16, height - 40
    d.rounded_rectangle((sx0, sy0, sx1, sy1), radius=30, fill=(250, 250, 250, 255))
    d.rectangle((sx0, sy0 + 20, sx1, sy0 + 90), fill=(196, 30, 58, 255))   # the app's header
    d.text((sx0 + 24, sy0 + 38), "Member code", font=_font(26), fill=(255, 255, 255, 255))
    d.ellipse((width // 2 - 40, 10, width // 2 + 40, 26), fill=(10, 10, 12, 255))  # camera
    qr = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(payload)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGBA")
    side = sx1 - sx0 - 60
    code = code.resize((side, side), Image.NEAREST)
    body.alpha_composite(code, (sx0 + 30, sy0 + 140))
    d.text((sx0 + 30, sy0 + 160 + side), "Show this code at the till", font=_font(18),
           fill=(90, 90, 90, 255))
    d.text((sx0 + 30, sy0 + 190 + side), "Points 1,250 · Gold", font=_font(18),
           fill=(90, 90, 90, 255))
    return body


def _solve8(dst, src):
    """The same without numpy: Gauss-Jordan on the 8x8 system."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    n = 8
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(rows[r][c]))
        rows[c], rows[p] = rows[p], rows[c]
        pivot = rows[c][c]
        rows[c] = [x / pivot for x in rows[c]]
        for r in range(n):
            if r != c and rows[r][c]:
                f = rows[r][c]
                rows[r] = [x - f * y for x, y in zip(rows[r], rows[c])]
    return [rows[r][n] for r in range(n)]


def camera_frame(payload: str | None, *, seed: int, angle: float = 8.0, tilt: float = 0.12,
                 scale: float = 0.55, glare: float = 0.55, blur: float = 1.2,
                 noise: float = 10.0, jpeg_quality: int = 70,
                 glare_at: tuple[float, float] | None = None) -> Image.Image:
    """One frame: the phone showing ``payload`` (None: the counter without a phone)."""
    rnd = random.Random(seed)
    w, h = SIZE
    # the counter: a warm, uneven surface
    frame = Image.new("RGB", SIZE, (150, 128, 104))
    d = ImageDraw.Draw(frame)
    for _ in range(60):
        x, y = rnd.randrange(w), rnd.randrange(h)
        r = rnd.randrange(20, 120)
        shade = rnd.randrange(-18, 18)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(150 + shade, 128 + shade, 104 + shade))
    frame = frame.filter(ImageFilter.GaussianBlur(18))
    if payload is not None:
        phone = phone_screen(payload)
        pw, ph = phone.size
        # where the phone's corners land in the frame: scaled, turned, one edge nearer
        cx, cy = w / 2 + rnd.uniform(-40, 40), h / 2 + rnd.uniform(-20, 20)
        s = scale * h / ph
        a = math.radians(angle)
        corners = [(-pw / 2, -ph / 2), (pw / 2, -ph / 2), (pw / 2, ph / 2), (-pw / 2, ph / 2)]
        dst = []
        for i, (x, y) in enumerate(corners):
            k = 1 + (tilt if i in (0, 1) else -tilt) * 0.5   # the top edge is nearer
            x, y = x * s * k, y * s
            dst.append((cx + x * math.cos(a) - y * math.sin(a),
                        cy + x * math.sin(a) + y * math.cos(a)))
        src = [(0, 0), (pw, 0), (pw, ph), (0, ph)]
        coeffs = _solve8(dst, src)
        warped = phone.transform(SIZE, Image.PERSPECTIVE, coeffs, Image.BICUBIC)
        frame.paste(warped, (0, 0), warped)
    # glare: the lamp's reflection, a soft bright ellipse across part of the screen
    if glare:
        light = Image.new("L", SIZE, 0)
        ld = ImageDraw.Draw(light)
        fx, fy = glare_at or (rnd.uniform(0.3, 0.7), rnd.uniform(0.2, 0.5))
        gx, gy = fx * w, fy * h
        ld.ellipse((gx - 150, gy - 60, gx + 150, gy + 60), fill=int(255 * glare))
        light = light.filter(ImageFilter.GaussianBlur(40))
        frame = Image.composite(Image.new("RGB", SIZE, (255, 255, 250)), frame, light)
    if blur:
        frame = frame.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        grain = Image.effect_noise(SIZE, noise).convert("RGB")
        frame = Image.blend(frame, grain, 0.08)
    buf = io.BytesIO()
    frame.save(buf, "JPEG", quality=jpeg_quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


RECORDED = (  # name, payload, options
    ("counter_empty", None, {}),
    ("phone_far_blurred", CARD_CODE, {"scale": 0.35, "blur": 4.5, "angle": -4}),
    ("phone_tilted_glare", CARD_CODE, {"angle": 11, "tilt": 0.18, "glare": 0.5,
                                                "glare_at": (0.58, 0.62)}),
    ("phone_steady", CARD_CODE, {"angle": -6, "tilt": 0.08, "glare": 0.35, "blur": 0.9}),
    ("phone_moving_away", CARD_CODE, {"angle": 25, "scale": 0.5, "blur": 2.0}),
)


def write_fixtures(folder: Path = FIXTURES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, (name, payload, options) in enumerate(RECORDED):
        path = folder / f"{i:02d}_{name}.jpg"
        camera_frame(payload, seed=100 + i, **options).save(path, "JPEG", quality=80)
        out.append(path)
    return out


if __name__ == "__main__":
    for p in write_fixtures():
        print(p)
