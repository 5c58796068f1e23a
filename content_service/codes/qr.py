"""QR images for screens and pages: an SVG of a URL (event posters, the
kiosk's "open it on your phone", receipt links) and the bare module matrix
(``qr_matrix``) that square share posters draw with Pillow. Printed label
sheets draw their QR straight into the PDF instead (``labels``)."""
from __future__ import annotations


def qr_svg(text: str) -> str:
    """An SVG (paths, no XML declaration, so it also inlines into HTML) of
    ``text`` as a QR code with a two-module quiet zone, sized in mm."""
    # qrcode is imported here: most requests never draw a QR.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def qr_matrix(text: str, border: int = 4) -> list[list[bool]]:
    """``text`` as a QR code's modules, rows of booleans (True is dark), with
    a ``border``-module quiet zone: for drawing into pictures (share posters)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()
