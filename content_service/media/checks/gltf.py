"""GLB (binary glTF 2.0) checked by its specification before a viewer on a
visitor's phone trusts it: the header and chunk table, then the JSON's
shape (every field of the type the spec gives), every index pointing at an
object that exists, every buffer view inside its buffer and every accessor
(count x stride) inside its buffer view, mesh indices below the vertex
count, and nothing fetched from outside the file.

``check_glb(data, found)`` answers ``Checked`` or raises ``UploadRefused``
saying which field is wrong, in Indonesian and English."""
from __future__ import annotations

import base64
import binascii
import json
import struct
from typing import Any, NoReturn

from flask_babel import lazy_gettext as _l
import numpy as np

from .base import Checked, UploadRefused, refuse, wrong_type, either

JSON_CHUNK, BIN_CHUNK = 0x4E4F534A, 0x004E4942
MAX_DEPTH = 64  # extras and extensions nest; a viewer's parser should not recurse further
MAX_OBJECTS = 100_000  # of one kind (accessors, nodes, ...)
COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
INDEX_TYPES = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32}
ARRAYS = ("accessors", "animations", "buffers", "bufferViews", "cameras", "images", "materials", "meshes",
          "nodes", "samplers", "scenes", "skins", "textures")


class _Invalid(Exception):
    def __init__(self, en: str, id_: str):
        super().__init__(en)
        self.en, self.id_ = en, id_


def _fail(en: str, id_: str) -> NoReturn:
    raise _Invalid(en, id_)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Doc:
    """The parsed JSON with typed getters that fail with the field's path."""

    def __init__(self, gltf: dict, binary: bytes | None):
        self.gltf, self.binary = gltf, binary
        self.buffers: list[bytes] = []

    def array(self, name: str) -> list[dict]:
        value = self.gltf.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            _fail(f"{name} must be a list of objects", f"{name} harus berupa daftar objek")
        if len(value) > MAX_OBJECTS:
            _fail(f"{name} has more than {MAX_OBJECTS:,} entries", f"{name} berisi lebih dari {MAX_OBJECTS:,} entri")
        return value

    def integer(self, obj: dict, key: str, path: str, *, default: int | None = None, minimum: int = 0) -> int | None:
        value = obj.get(key, default)
        if value is None:
            return None
        if not _is_int(value) or value < minimum:
            _fail(f"{path}.{key} must be a whole number of at least {minimum}",
                  f"{path}.{key} harus bilangan bulat minimal {minimum}")
        return value

    def ref(self, obj: dict, key: str, path: str, group: str, *, required: bool = False) -> int | None:
        index = self.integer(obj, key, path)
        if index is None:
            if required:
                _fail(f"{path}.{key} is missing", f"{path}.{key} tidak ada")
            return None
        return self.points_at(index, f"{path}.{key}", group)

    def points_at(self, index: Any, path: str, group: str) -> int:
        if not _is_int(index) or not 0 <= index < len(self.array(group)):
            _fail(f"{path} points at {group}[{index}], which does not exist",
                  f"{path} menunjuk {group}[{index}] yang tidak ada")
        return index

    def string(self, obj: dict, key: str, path: str) -> str | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            _fail(f"{path}.{key} must be text", f"{path}.{key} harus berupa teks")
        return value


def _depth_ok(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def _chunks(data: bytes) -> tuple[dict, bytes | None]:
    if len(data) < 20:
        _fail("it is too short", "terlalu pendek")
    _magic, version, length = struct.unpack_from("<4sII", data, 0)
    if version != 2:
        _fail(f"glTF version {version}, expected 2", f"glTF versi {version}, seharusnya 2")
    if length != len(data):
        _fail("its header length does not match the file", "panjang di header tidak sesuai dengan berkas")
    offset, chunks = 12, []
    while offset < length:
        if offset + 8 > length:
            _fail("a chunk header is cut off", "header chunk terpotong")
        chunk_length, chunk_type = struct.unpack_from("<II", data, offset)
        if chunk_length % 4 or offset + 8 + chunk_length > length:
            _fail("a chunk runs past the end of the file", "sebuah chunk melewati akhir berkas")
        chunks.append((chunk_type, data[offset + 8: offset + 8 + chunk_length]))
        offset += 8 + chunk_length
    if not chunks or chunks[0][0] != JSON_CHUNK:
        _fail("the first chunk must be JSON", "chunk pertama harus JSON")
    if len(chunks) > 1 and chunks[1][0] == JSON_CHUNK:
        _fail("it has two JSON chunks", "ada dua chunk JSON")
    binary = chunks[1][1] if len(chunks) > 1 and chunks[1][0] == BIN_CHUNK else None
    try:
        gltf = json.loads(chunks[0][1].decode("utf-8").rstrip(" \x00"))
    except RecursionError:
        _fail(f"its JSON nests deeper than {MAX_DEPTH} levels", f"JSON-nya bersarang lebih dari {MAX_DEPTH} tingkat")
    except (UnicodeDecodeError, ValueError):
        _fail("its JSON chunk cannot be read", "chunk JSON-nya tidak dapat dibaca")
    if not isinstance(gltf, dict):
        _fail("its JSON must be an object", "JSON-nya harus berupa objek")
    if not _depth_ok(gltf):
        _fail(f"its JSON nests deeper than {MAX_DEPTH} levels", f"JSON-nya bersarang lebih dari {MAX_DEPTH} tingkat")
    return gltf, binary


def _outside(group: str, uri: str) -> NoReturn:
    # A model must be self-contained: no fetching from other servers when a visitor opens it.
    _fail(f"it refers to an outside file ({group}: {uri[:60]})", f"merujuk ke berkas di luar ({group}: {uri[:60]})")


def _data_uri(uri: str, group: str) -> bytes:
    if not uri.startswith("data:"):
        _outside(group, uri)
    head, _, payload = uri.partition(",")
    if not head.endswith(";base64"):
        _fail(f"a {group} data URI must be base64", f"data URI {group} harus base64")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        _fail(f"a {group} data URI is not valid base64", f"data URI {group} bukan base64 yang valid")


def _buffers(doc: _Doc) -> None:
    for i, buffer in enumerate(doc.array("buffers")):
        path = f"buffers[{i}]"
        length = doc.integer(buffer, "byteLength", path, minimum=1)
        if length is None:
            _fail(f"{path}.byteLength is missing", f"{path}.byteLength tidak ada")
        uri = doc.string(buffer, "uri", path)
        if uri is not None:
            content = _data_uri(uri, "buffers")
        elif i == 0 and doc.binary is not None:
            content = doc.binary
        else:
            _fail(f"{path} has no data (no uri and no binary chunk)", f"{path} tidak punya data (tanpa uri dan chunk biner)")
        if length > len(content):
            _fail(f"{path}.byteLength ({length}) is longer than its data ({len(content)} bytes)",
                  f"{path}.byteLength ({length}) lebih panjang dari datanya ({len(content)} byte)")
        doc.buffers.append(content[:length])


def _buffer_views(doc: _Doc) -> None:
    for i, view in enumerate(doc.array("bufferViews")):
        path = f"bufferViews[{i}]"
        buffer = doc.ref(view, "buffer", path, "buffers", required=True)
        offset = doc.integer(view, "byteOffset", path, default=0)
        length = doc.integer(view, "byteLength", path, minimum=1)
        if length is None:
            _fail(f"{path}.byteLength is missing", f"{path}.byteLength tidak ada")
        stride = doc.integer(view, "byteStride", path, minimum=4)
        if stride is not None and (stride > 252 or stride % 4):
            _fail(f"{path}.byteStride must be a multiple of 4 from 4 to 252",
                  f"{path}.byteStride harus kelipatan 4 dari 4 sampai 252")
        if offset + length > len(doc.buffers[buffer]):
            _fail(f"{path} runs past the end of buffers[{buffer}]", f"{path} melewati akhir buffers[{buffer}]")


def _element_size(component: int, kind: str) -> int:
    size = COMPONENT_BYTES[component]
    if kind in ("MAT2", "MAT3") and size < 4:
        # Matrix columns are padded to 4 bytes (glTF 2.0, "Data Alignment").
        columns = 2 if kind == "MAT2" else 3
        return columns * ((columns * size + 3) // 4 * 4)
    return size * COMPONENTS[kind]


def _accessor_extent(doc: _Doc, path: str, view_index: int, offset: int, count: int, element: int) -> None:
    view = doc.array("bufferViews")[view_index]
    stride = view.get("byteStride") or element
    if stride < element:
        _fail(f"{path}: bufferViews[{view_index}].byteStride is shorter than one element ({element} bytes)",
              f"{path}: bufferViews[{view_index}].byteStride lebih pendek dari satu elemen ({element} byte)")
    if offset + stride * (count - 1) + element > view["byteLength"]:
        _fail(f"{path} ({count} elements) runs past the end of bufferViews[{view_index}]",
              f"{path} ({count} elemen) melewati akhir bufferViews[{view_index}]")


def _accessors(doc: _Doc) -> None:
    for i, accessor in enumerate(doc.array("accessors")):
        path = f"accessors[{i}]"
        component, kind = accessor.get("componentType"), accessor.get("type")
        if not _is_int(component) or component not in COMPONENT_BYTES:
            _fail(f"{path}.componentType is not one glTF knows", f"{path}.componentType tidak dikenal glTF")
        if not isinstance(kind, str) or kind not in COMPONENTS:
            _fail(f"{path}.type is not one glTF knows", f"{path}.type tidak dikenal glTF")
        count = doc.integer(accessor, "count", path, minimum=1)
        if count is None:
            _fail(f"{path}.count is missing", f"{path}.count tidak ada")
        offset = doc.integer(accessor, "byteOffset", path, default=0)
        view = doc.ref(accessor, "bufferView", path, "bufferViews")
        element = _element_size(component, kind)
        if view is not None:
            _accessor_extent(doc, path, view, offset, count, element)
        for key in ("min", "max"):
            bound = accessor.get(key)
            if bound is not None and (not isinstance(bound, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in bound)):
                _fail(f"{path}.{key} must be a list of numbers", f"{path}.{key} harus daftar angka")
        sparse = accessor.get("sparse")
        if sparse is not None:
            _sparse(doc, f"{path}.sparse", sparse, count, element)


def _sparse(doc: _Doc, path: str, sparse: Any, count: int, element: int) -> None:
    if not isinstance(sparse, dict) or not isinstance(sparse.get("indices"), dict) or not isinstance(
            sparse.get("values"), dict):
        _fail(f"{path} must hold indices and values objects", f"{path} harus berisi objek indices dan values")
    n = doc.integer(sparse, "count", path, minimum=1)
    if n is None or n > count:
        _fail(f"{path}.count must be from 1 to the accessor's count", f"{path}.count harus 1 sampai count accessor")
    indices, values = sparse["indices"], sparse["values"]
    component = indices.get("componentType")
    if not _is_int(component) or component not in INDEX_TYPES:
        _fail(f"{path}.indices.componentType must be an unsigned integer type",
              f"{path}.indices.componentType harus tipe bilangan bulat tak bertanda")
    for part, obj, size in (("indices", indices, COMPONENT_BYTES[component]), ("values", values, element)):
        view = doc.ref(obj, "bufferView", f"{path}.{part}", "bufferViews", required=True)
        offset = doc.integer(obj, "byteOffset", f"{path}.{part}", default=0)
        if offset + n * size > doc.array("bufferViews")[view]["byteLength"]:
            _fail(f"{path}.{part} runs past the end of bufferViews[{view}]",
                  f"{path}.{part} melewati akhir bufferViews[{view}]")


def _index_values(doc: _Doc, accessor: dict) -> np.ndarray | None:
    view_index = accessor.get("bufferView")
    if view_index is None:
        return None
    view = doc.array("bufferViews")[view_index]
    dtype = INDEX_TYPES[accessor["componentType"]]
    start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
    return np.frombuffer(doc.buffers[view["buffer"]], dtype=dtype, count=accessor["count"], offset=start)


def _meshes(doc: _Doc) -> None:
    accessors = doc.array("accessors")
    for m, mesh in enumerate(doc.array("meshes")):
        primitives = mesh.get("primitives")
        if not isinstance(primitives, list) or not primitives or not all(isinstance(p, dict) for p in primitives):
            _fail(f"meshes[{m}].primitives must be a non-empty list of objects",
                  f"meshes[{m}].primitives harus daftar objek yang tidak kosong")
        for p, primitive in enumerate(primitives):
            path = f"meshes[{m}].primitives[{p}]"
            attributes = primitive.get("attributes")
            if not isinstance(attributes, dict) or not attributes:
                _fail(f"{path}.attributes must be an object", f"{path}.attributes harus berupa objek")
            vertices = None
            for name, index in attributes.items():
                accessor = accessors[doc.points_at(index, f"{path}.attributes.{name}", "accessors")]
                vertices = accessor["count"] if vertices is None else min(vertices, accessor["count"])
            targets = primitive.get("targets", [])
            if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
                _fail(f"{path}.targets must be a list of objects", f"{path}.targets harus daftar objek")
            for t, target in enumerate(targets):
                for name, index in target.items():
                    doc.points_at(index, f"{path}.targets[{t}].{name}", "accessors")
            doc.ref(primitive, "material", path, "materials")
            mode = doc.integer(primitive, "mode", path, default=4)
            if mode > 6:
                _fail(f"{path}.mode must be from 0 to 6", f"{path}.mode harus 0 sampai 6")
            index = doc.ref(primitive, "indices", path, "accessors")
            if index is not None:
                accessor = accessors[index]
                strided = accessor.get("bufferView") is not None and \
                    doc.array("bufferViews")[accessor["bufferView"]].get("byteStride")
                if accessor["type"] != "SCALAR" or accessor["componentType"] not in INDEX_TYPES or strided:
                    _fail(f"{path}.indices must be unsigned whole numbers", f"{path}.indices harus bilangan bulat tak bertanda")
                values = _index_values(doc, accessor)
                if values is not None and values.size and int(values.max()) >= (vertices or 0):
                    _fail(f"{path}.indices reach vertex {int(values.max())}; the mesh has {vertices}",
                          f"{path}.indices mencapai verteks {int(values.max())}; mesh ini punya {vertices}")


def _texture_ref(doc: _Doc, holder: dict, key: str, path: str) -> None:
    info = holder.get(key)
    if info is None:
        return
    if not isinstance(info, dict):
        _fail(f"{path}.{key} must be an object", f"{path}.{key} harus berupa objek")
    doc.ref(info, "index", f"{path}.{key}", "textures", required=True)


def _scene_graph(doc: _Doc) -> None:
    nodes = doc.array("nodes")
    parents: dict[int, int] = {}
    for n, node in enumerate(nodes):
        path = f"nodes[{n}]"
        for key, group in (("mesh", "meshes"), ("skin", "skins"), ("camera", "cameras")):
            doc.ref(node, key, path, group)
        children = node.get("children", [])
        if not isinstance(children, list):
            _fail(f"{path}.children must be a list", f"{path}.children harus berupa daftar")
        for c, child in enumerate(children):
            doc.points_at(child, f"{path}.children[{c}]", "nodes")
            if child in parents or child == n:
                _fail(f"nodes[{child}] has more than one parent (or is its own)",
                      f"nodes[{child}] punya lebih dari satu induk (atau induknya sendiri)")
            parents[child] = n
    for n in range(len(nodes)):  # a parent chain longer than the node list is a cycle
        seen, at = 0, n
        while at in parents:
            at, seen = parents[at], seen + 1
            if seen > len(nodes):
                _fail("the node tree has a cycle", "pohon node berputar (siklus)")
    for s, scene in enumerate(doc.array("scenes")):
        roots = scene.get("nodes", [])
        if not isinstance(roots, list):
            _fail(f"scenes[{s}].nodes must be a list", f"scenes[{s}].nodes harus berupa daftar")
        for r, root in enumerate(roots):
            doc.points_at(root, f"scenes[{s}].nodes[{r}]", "nodes")
    if "scene" in doc.gltf:
        doc.points_at(doc.gltf["scene"], "scene", "scenes")


def _materials_and_images(doc: _Doc) -> None:
    for i, image in enumerate(doc.array("images")):
        path = f"images[{i}]"
        uri = doc.string(image, "uri", path)
        if uri is not None:
            _data_uri(uri, "images")
        elif doc.ref(image, "bufferView", path, "bufferViews") is None:
            _fail(f"{path} has neither a uri nor a bufferView", f"{path} tidak punya uri maupun bufferView")
    for i, texture in enumerate(doc.array("textures")):
        doc.ref(texture, "source", f"textures[{i}]", "images")
        doc.ref(texture, "sampler", f"textures[{i}]", "samplers")
    doc.array("samplers")
    for i, material in enumerate(doc.array("materials")):
        path = f"materials[{i}]"
        pbr = material.get("pbrMetallicRoughness", {})
        if not isinstance(pbr, dict):
            _fail(f"{path}.pbrMetallicRoughness must be an object", f"{path}.pbrMetallicRoughness harus berupa objek")
        for key in ("baseColorTexture", "metallicRoughnessTexture"):
            _texture_ref(doc, pbr, key, f"{path}.pbrMetallicRoughness")
        for key in ("normalTexture", "occlusionTexture", "emissiveTexture"):
            _texture_ref(doc, material, key, path)


def _skins_and_animations(doc: _Doc) -> None:
    for i, skin in enumerate(doc.array("skins")):
        path = f"skins[{i}]"
        doc.ref(skin, "inverseBindMatrices", path, "accessors")
        joints = skin.get("joints")
        if not isinstance(joints, list) or not joints:
            _fail(f"{path}.joints must be a non-empty list", f"{path}.joints harus daftar yang tidak kosong")
        for j, joint in enumerate(joints):
            doc.points_at(joint, f"{path}.joints[{j}]", "nodes")
        doc.ref(skin, "skeleton", path, "nodes")
    for a, animation in enumerate(doc.array("animations")):
        path = f"animations[{a}]"
        samplers, channels = animation.get("samplers"), animation.get("channels")
        if not isinstance(samplers, list) or not all(isinstance(s, dict) for s in samplers) or \
                not isinstance(channels, list) or not all(isinstance(c, dict) for c in channels):
            _fail(f"{path} must hold lists of samplers and channels", f"{path} harus berisi daftar samplers dan channels")
        for s, sampler in enumerate(samplers):
            doc.ref(sampler, "input", f"{path}.samplers[{s}]", "accessors", required=True)
            doc.ref(sampler, "output", f"{path}.samplers[{s}]", "accessors", required=True)
        for c, channel in enumerate(channels):
            index = channel.get("sampler")
            if not _is_int(index) or not 0 <= index < len(samplers):
                _fail(f"{path}.channels[{c}].sampler points at a sampler that does not exist",
                      f"{path}.channels[{c}].sampler menunjuk sampler yang tidak ada")
            target = channel.get("target")
            if not isinstance(target, dict):
                _fail(f"{path}.channels[{c}].target must be an object", f"{path}.channels[{c}].target harus berupa objek")
            doc.ref(target, "node", f"{path}.channels[{c}].target", "nodes")


def validate(data: bytes) -> None:
    """Raise ``_Invalid`` at the first thing in ``data`` that breaks glTF 2.0."""
    gltf, binary = _chunks(data)
    asset = gltf.get("asset")
    if not isinstance(asset, dict) or asset.get("version") != "2.0":
        _fail("asset.version must be 2.0", "asset.version harus 2.0")
    doc = _Doc(gltf, binary)
    for name in ARRAYS:
        doc.array(name)
    _buffers(doc)
    _buffer_views(doc)
    _accessors(doc)
    _materials_and_images(doc)
    _meshes(doc)
    _scene_graph(doc)
    _skins_and_animations(doc)


def check_glb(data: bytes, found: str | None) -> Checked:
    """A self-contained binary glTF 2.0 whose every reference holds."""
    if found != "model/gltf-binary":
        wrong_type("model3d", found, _l("a GLB 3D model (binary glTF 2.0)"))
    try:
        validate(data)
    except _Invalid as bad:
        refuse(UploadRefused, _l("The GLB file is not valid: %(reason)s.", reason=either(bad.en, bad.id_)))
    return Checked("model/gltf-binary", data)
