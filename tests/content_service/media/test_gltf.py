"""The GLB validator against every field of a full glTF document replaced by
a value of another type: each answer is a refusal (or acceptance), never an
exception the upload would answer 500 to."""
from __future__ import annotations

import copy

from content_service.media.checks import gltf
from tests.security import malicious

VALUES = [None, 1, -1, 1.5, "x", [], {}, [1], {"a": 1}, True, 10**20, [[1]], "0", 0]


def _full_document() -> dict:
    """A triangle using every part the validator follows: indices, morph targets,
    materials, textures, images, samplers, skins, animations, a sparse accessor."""
    doc = malicious.triangle(
        textures=[{"source": 0, "sampler": 0}], images=[{"bufferView": 0, "mimeType": "image/png"}], samplers=[{}],
        materials=[{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}, "normalTexture": {"index": 0}}],
        skins=[{"joints": [0], "inverseBindMatrices": 0}],
        animations=[{"samplers": [{"input": 0, "output": 0}],
                     "channels": [{"sampler": 0, "target": {"node": 0, "path": "translation"}}]}])
    primitive = doc["meshes"][0]["primitives"][0]
    primitive["targets"] = [{"POSITION": 0}]
    doc["accessors"].append({"bufferView": 0, "componentType": 5126, "count": 1, "type": "SCALAR", "sparse": {
        "count": 1, "indices": {"bufferView": 0, "componentType": 5123}, "values": {"bufferView": 0}}})
    return doc


def _paths(value, prefix=()):
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def test_the_full_document_passes():
    gltf.validate(malicious.glb_doc(_full_document()))


def test_every_field_of_another_type_is_refused_not_raised():
    base, tried, unexpected = _full_document(), 0, []
    for path in list(_paths(base)):
        for value in VALUES:
            doc = copy.deepcopy(base)
            holder = doc
            for step in path[:-1]:
                holder = holder[step]
            holder[path[-1]] = value
            tried += 1
            try:
                gltf.validate(malicious.glb_doc(doc))
            except gltf._Invalid:
                pass
            except Exception as exc:  # noqa: BLE001 - the point of the test
                unexpected.append((path, value, repr(exc)))
    assert tried > 1000 and not unexpected, unexpected[:5]
