"""QR images for screens and pages: an SVG of a URL (event posters, the
kiosk's "open it on your phone", receipt links). Printed label sheets draw
their QR straight into the PDF instead (``labels``)."""
from __future__ import annotations


def qr_svg(text: str) -> str:
    """An SVG (paths, no XML declaration, so it also inlines into HTML) of
    ``text`` as a QR code with a two-module quiet zone, sized in mm."""
    # qrcode is imported here: most requests never draw a QR.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")
