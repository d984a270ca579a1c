"""Draws Motionboard's app icon (a motion path with an arrowhead on a dark tile) at the sizes
Tauri bundles. Run: python3 icons/make_icons.py (needs Pillow)."""
import math
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
S = 1024  # master size; smaller sizes are downscaled from it


def bezier(p0, p1, p2, p3, n=200):
    for i in range(n + 1):
        t = i / n
        a = (1 - t) ** 3
        b = 3 * (1 - t) ** 2 * t
        c = 3 * (1 - t) * t * t
        d = t ** 3
        yield (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
               a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])


def master():
    img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([40, 40, S - 40, S - 40], radius=220, fill=(22, 24, 33, 255))
    pts = list(bezier((250, 740), (330, 330), (650, 820), (760, 330)))
    for i, (x, y) in enumerate(pts):
        t = i / (len(pts) - 1)
        col = (int(124 + (56 - 124) * t), int(92 + (210 - 92) * t), int(255 + (230 - 255) * t), 255)
        d.ellipse([x - 34, y - 34, x + 34, y + 34], fill=col)
    (x1, y1), (x0, y0) = pts[-1], pts[-8]
    ang = math.atan2(y1 - y0, x1 - x0)
    tip = (x1 + 120 * math.cos(ang), y1 + 120 * math.sin(ang))
    left = (x1 + 95 * math.cos(ang + 2.2), y1 + 95 * math.sin(ang + 2.2))
    right = (x1 + 95 * math.cos(ang - 2.2), y1 + 95 * math.sin(ang - 2.2))
    d.polygon([tip, left, right], fill=(56, 210, 230, 255))
    sx, sy = pts[0]
    d.ellipse([sx - 95, sy - 95, sx + 95, sy + 95], outline=(124, 92, 255, 255), width=26)
    return img


def main():
    m = master()
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        m.resize((size, size), Image.LANCZOS).save(HERE / name)
    m.resize((256, 256), Image.LANCZOS).save(HERE / "icon.ico", sizes=[(16, 16), (32, 32), (64, 64), (256, 256)])


if __name__ == "__main__":
    main()
