"""A small 3D model for the demo, written from scratch: a closed book (a
coloured cover around a cream page block) as a binary glTF 2.0 file (GLB),
with one PBR material per part. No 3D library: the GLB is a JSON chunk and
a binary chunk of vertex positions, normals and triangle indices, packed
with ``struct``; it passes the same checks as an uploaded model."""
from __future__ import annotations

import json
import struct

# A book's size in metres (glTF units): 15 x 21 cm, 2.4 cm thick.
WIDTH, HEIGHT, DEPTH = 0.15, 0.21, 0.024
COVER = 0.002  # the cover's thickness, and how far it overhangs the pages
PAGES_RGBA = (0.96, 0.93, 0.84, 1.0)
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
FLOAT, UNSIGNED_SHORT = 5126, 5123

# The six faces of a unit box: (normal, four corners counter-clockwise seen from outside).
_FACES = (
    ((1, 0, 0), ((1, -1, 1), (1, -1, -1), (1, 1, -1), (1, 1, 1))),
    ((-1, 0, 0), ((-1, -1, -1), (-1, -1, 1), (-1, 1, 1), (-1, 1, -1))),
    ((0, 1, 0), ((-1, 1, 1), (1, 1, 1), (1, 1, -1), (-1, 1, -1))),
    ((0, -1, 0), ((-1, -1, -1), (1, -1, -1), (1, -1, 1), (-1, -1, 1))),
    ((0, 0, 1), ((-1, -1, 1), (1, -1, 1), (1, 1, 1), (-1, 1, 1))),
    ((0, 0, -1), ((1, -1, -1), (-1, -1, -1), (-1, 1, -1), (1, 1, -1))),
)


Vec3 = tuple[float, ...]
Mesh = tuple[list[Vec3], list[Vec3], list[int]]


def _box(center: Vec3, size: Vec3) -> Mesh:
    """Positions, normals (flat: four vertices per face) and triangle indices of a box."""
    positions: list[Vec3] = []
    normals: list[Vec3] = []
    indices: list[int] = []
    for normal, corners in _FACES:
        base = len(positions)
        for corner in corners:
            positions.append(tuple(c + s / 2 * k for c, s, k in zip(center, size, corner)))
            normals.append(normal)
        indices += [base, base + 1, base + 2, base, base + 2, base + 3]
    return positions, normals, indices


def _merge(boxes: list[Mesh]) -> Mesh:
    """Several boxes as one primitive's positions, normals and indices."""
    positions: list[Vec3] = []
    normals: list[Vec3] = []
    indices: list[int] = []
    for p, n, i in boxes:
        indices += [len(positions) + k for k in i]
        positions += p
        normals += n
    return positions, normals, indices


def _pad(data: bytes, fill: bytes = b"\x00") -> bytes:
    return data + fill * (-len(data) % 4)


def book_glb(cover_rgba: tuple[float, float, float, float], name: str = "Buku") -> bytes:
    """A closed book whose cover has the colour ``cover_rgba`` (linear RGBA, 0-1), as GLB bytes."""
    # The cover: front and back boards and the spine, around a page block set
    # in from the top, bottom and fore-edge, as a closed book shows its pages.
    half_w, half_d = WIDTH / 2, DEPTH / 2
    boards = [_box((0.0, 0.0, z), (WIDTH, HEIGHT, COVER)) for z in (half_d - COVER / 2, -half_d + COVER / 2)]
    boards.append(_box((-half_w + COVER / 2, 0.0, 0.0), (COVER, HEIGHT, DEPTH)))
    parts = [
        ("Sampul", cover_rgba, _merge(boards)),
        ("Halaman", PAGES_RGBA, _box((COVER / 2 - COVER, 0.0, 0.0),
                                     (WIDTH - 3 * COVER, HEIGHT - 2 * COVER, DEPTH - 2 * COVER))),
    ]
    blob, views, accessors, meshes, materials = b"", [], [], [], []
    for part_name, rgba, (positions, normals, indices) in parts:
        attributes = {}
        for key, rows in (("POSITION", positions), ("NORMAL", normals)):
            data = b"".join(struct.pack("<3f", *row) for row in rows)
            views.append({"buffer": 0, "byteOffset": len(blob), "byteLength": len(data), "target": ARRAY_BUFFER})
            blob += _pad(data)
            accessor = {"bufferView": len(views) - 1, "componentType": FLOAT, "count": len(rows), "type": "VEC3"}
            if key == "POSITION":  # required by the spec for positions
                accessor["min"] = [min(r[i] for r in rows) for i in range(3)]
                accessor["max"] = [max(r[i] for r in rows) for i in range(3)]
            accessors.append(accessor)
            attributes[key] = len(accessors) - 1
        data = struct.pack(f"<{len(indices)}H", *indices)
        views.append({"buffer": 0, "byteOffset": len(blob), "byteLength": len(data), "target": ELEMENT_ARRAY_BUFFER})
        blob += _pad(data)
        accessors.append({"bufferView": len(views) - 1, "componentType": UNSIGNED_SHORT, "count": len(indices),
                          "type": "SCALAR"})
        materials.append({"name": part_name, "pbrMetallicRoughness": {
            "baseColorFactor": list(rgba), "metallicFactor": 0.0, "roughnessFactor": 0.8}})
        meshes.append({"name": part_name, "primitives": [
            {"attributes": attributes, "indices": len(accessors) - 1, "material": len(materials) - 1}]})
    gltf = {
        "asset": {"version": "2.0", "generator": "Pindai demo"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": [{"name": name, "children": [1, 2]}, {"mesh": 0}, {"mesh": 1}],
        "meshes": meshes, "materials": materials, "accessors": accessors, "bufferViews": views,
        "buffers": [{"byteLength": len(blob)}],
    }
    text = _pad(json.dumps(gltf, separators=(",", ":")).encode("utf-8"), b" ")
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text + struct.pack("<II", len(blob), 0x004E4942) + blob
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks
