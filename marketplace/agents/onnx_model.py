"""ONNX models as the marketplace sees them: the input/output signature read once at
upload, and the check of a job's inputs against it. No Django: the web process, the
provider agent and the TEE worker use the same rules.

A signature is `{"inputs": [{"name", "dtype", "shape"}], "outputs": [...]}`; `dtype` is
a numpy name (`float32`, `int64`, `bool`, `str`, …); each entry of `shape` is a size
(int), a symbolic dimension (str: the same symbol must have the same size in every
input) or null (any size)."""

import numpy as np

# Operator domains onnxruntime runs without custom code. A model using any other domain
# needs a custom-op library loaded into the runtime: refused (docs/COMPUTE_MARKET.md).
STANDARD_DOMAINS = {"", "ai.onnx", "ai.onnx.ml"}
# onnxruntime's tensor element types → numpy dtypes.
DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
    "tensor(string)": "str",
}
MAX_ELEMENTS = 10_000_000  # per input: a job's inputs are JSON, far below this anyway


class ModelError(ValueError):
    """The bytes are not an ONNX model this marketplace runs; the message says why."""


def _graphs(graph):
    """The graph and every subgraph (If/Loop/Scan bodies) inside it."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("g"):
                yield from _graphs(attribute.g)
            for sub in attribute.graphs:
                yield from _graphs(sub)


def _check_portable(model) -> None:
    from onnx.external_data_helper import uses_external_data

    for opset in model.opset_import:
        if opset.domain not in STANDARD_DOMAINS:
            raise ModelError(f"custom operator domain {opset.domain!r} is not allowed")
    local = {(function.domain, function.name) for function in model.functions}
    for graph in _graphs(model.graph):
        for node in graph.node:
            if node.domain not in STANDARD_DOMAINS and (node.domain, node.op_type) not in local:
                raise ModelError(f"custom operator {node.domain}:{node.op_type} is not allowed")
        # Weights in side files would make the runtime read paths chosen by the uploader.
        if any(uses_external_data(tensor) for tensor in graph.initializer):
            raise ModelError("weights in external files are not allowed: embed them")


def _describe(values) -> list[dict]:
    described = []
    for value in values:
        dtype = DTYPES.get(value.type)
        if dtype is None:
            raise ModelError(f"{value.name}: only tensor inputs and outputs are supported")
        shape = value.shape if isinstance(value.shape, list) else []
        described.append(
            {
                "name": value.name,
                "dtype": dtype,
                "shape": [d if isinstance(d, int | str) else None for d in shape],
            }
        )
    return described


def load_session(data: bytes, *, threads: int = 1, optimize: bool = False):
    """An onnxruntime session of `data` after checking that it is an ONNX model with
    standard operators only; ModelError says what is wrong. `optimize` applies
    onnxruntime's graph optimizations (worth it for a session that runs)."""
    import onnx
    import onnxruntime as ort

    try:
        model = onnx.load_from_string(data)
        onnx.checker.check_model(model)
    except Exception as exc:  # protobuf and checker errors have no common base
        raise ModelError(f"not a valid ONNX model: {str(exc).splitlines()[0][:200]}") from exc
    _check_portable(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if optimize
        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    try:
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/… types
        raise ModelError(f"onnxruntime cannot load it: {str(exc).splitlines()[0][:200]}") from exc


def signature_of(session) -> dict:
    return {"inputs": _describe(session.get_inputs()), "outputs": _describe(session.get_outputs())}


def read_signature(data: bytes) -> dict:
    """Check that `data` is an ONNX model with standard operators only and that
    onnxruntime loads it, and return its signature; ModelError says what is wrong."""
    return signature_of(load_session(data))


def shape_text(shape: list) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _dtype_fits(dtype: str, kind: str) -> bool:
    if dtype == "bool":
        return kind == "b"
    if dtype == "str":
        return kind == "U"
    if dtype.startswith(("int", "uint")):
        return kind in "iu"
    return kind in "iuf"  # floats take integers too


def check_inputs(signature: dict, inputs: object) -> dict[str, str]:
    """Per-field messages (`{"inputs.<name>": message}`) for every way `inputs` does
    not fit the model's signature; empty when it fits."""
    if not isinstance(inputs, dict):
        return {"inputs": "must be an object: input name → nested list"}
    problems: dict[str, str] = {}
    specs = {spec["name"]: spec for spec in signature["inputs"]}
    for name in inputs:
        if name not in specs:
            problems[f"inputs.{name}"] = f"the model has no input named {name!r}"
    symbols: dict[str, tuple[int, str]] = {}
    for name, spec in specs.items():
        field = f"inputs.{name}"
        wanted = f"a {spec['dtype']} tensor of shape {shape_text(spec['shape'])}"
        if name not in inputs:
            problems[field] = f"missing: the model needs {wanted}"
            continue
        try:
            array = np.asarray(inputs[name])
        except ValueError:
            problems[field] = f"is a ragged nested list; the model needs {wanted}"
            continue
        if array.size > MAX_ELEMENTS:
            problems[field] = f"has {array.size} elements, more than {MAX_ELEMENTS}"
        elif array.size and not _dtype_fits(spec["dtype"], array.dtype.kind):
            problems[field] = f"has the wrong element type; the model needs {wanted}"
        elif array.ndim != len(spec["shape"]):
            problems[field] = f"has shape {shape_text(list(array.shape))}; the model needs {wanted}"
        else:
            for axis, (size, dim) in enumerate(zip(array.shape, spec["shape"], strict=True)):
                if isinstance(dim, int) and size != dim:
                    problems[field] = f"has {size} on axis {axis}; the model needs {wanted}"
                    break
                if isinstance(dim, str):
                    seen = symbols.setdefault(dim, (size, name))
                    if seen[0] != size:
                        problems[field] = (
                            f"has {size} on axis {axis} ({dim}), but {seen[1]!r} has {seen[0]}"
                        )
                        break
    return problems


def as_arrays(signature: dict, inputs: dict) -> dict[str, np.ndarray]:
    """The inputs as numpy arrays of the model's dtypes (after `check_inputs`)."""
    arrays = {}
    for spec in signature["inputs"]:
        dtype = object if spec["dtype"] == "str" else spec["dtype"]
        arrays[spec["name"]] = np.asarray(inputs[spec["name"]], dtype=dtype)
    return arrays
