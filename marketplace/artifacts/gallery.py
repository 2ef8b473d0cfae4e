"""The demo's model gallery: real ONNX models fitted at `load_demo` on the demo traffic
sensor's readings and stored as public artifacts of //DemoCity (the city that owns the
sensor), each with a description and an example input.

Built with `onnx.helper` from numpy fits: a ridge regression and an hourly profile
need no training library, and the runtime dependencies stay onnx + onnxruntime
(docs/COMPUTE_MARKET.md, "The model gallery"). Nothing is downloaded."""

import hashlib

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.core.demo import GALLERY_DETECTOR, GALLERY_FORECASTER
from marketplace.wallets.models import Wallet

from . import services
from .models import Artifact, MediaType, Visibility

DAY = 24
RIDGE = 0.01  # per training window: keeps the 24-by-24 fit stable on a week of readings
THRESHOLD = 4.0  # robust z-score above which a reading is an anomaly
OPSET = 17


def _model(nodes, inputs, outputs, initializers, name: str) -> bytes:
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="polkamesh-gallery"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def forecaster(values: np.ndarray) -> bytes:
    """`forecast = max(0, history · W + b)`: the next 24 hourly values from the last 24,
    W and b a ridge regression over every 48-hour window of `values`."""
    from onnx import TensorProto, helper, numpy_helper

    scale = float(np.abs(values).max()) or 1.0  # fit in units of the series' peak
    windows = np.lib.stride_tricks.sliding_window_view(values / scale, 2 * DAY)
    X = np.hstack([windows[:, :DAY], np.ones((len(windows), 1))])
    penalty = RIDGE * len(windows) * np.eye(DAY + 1)
    penalty[DAY, DAY] = 0.0  # the intercept is not shrunk
    fitted = np.linalg.solve(X.T @ X + penalty, X.T @ windows[:, DAY:])
    W, b = fitted[:DAY].astype(np.float32), (scale * fitted[DAY]).astype(np.float32)
    return _model(
        [
            helper.make_node("MatMul", ["history", "W"], ["linear"]),
            helper.make_node("Add", ["linear", "b"], ["raw"]),
            helper.make_node("Relu", ["raw"], ["forecast"]),
        ],
        [helper.make_tensor_value_info("history", TensorProto.FLOAT, ["batch", DAY])],
        [helper.make_tensor_value_info("forecast", TensorProto.FLOAT, ["batch", DAY])],
        [numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")],
        "traffic_forecaster",
    )


def detector(values: np.ndarray, hours: np.ndarray) -> bytes:
    """For readings and their UTC hours of day: the expected value (the median of that
    hour in `values`), the robust z-score of the difference (scaled by the MAD of all
    differences) and whether it exceeds THRESHOLD."""
    from onnx import TensorProto, helper, numpy_helper

    profile = np.array([np.median(values[hours == h]) for h in range(DAY)])
    residuals = values - profile[hours]
    scale = 1.4826 * np.median(np.abs(residuals - np.median(residuals))) or 1.0
    return _model(
        [
            helper.make_node("Gather", ["profile", "hours"], ["expected"]),
            helper.make_node("Sub", ["values", "expected"], ["residual"]),
            helper.make_node("Abs", ["residual"], ["distance"]),
            helper.make_node("Div", ["distance", "scale"], ["score"]),
            helper.make_node("Greater", ["score", "threshold"], ["anomaly"]),
        ],
        [
            helper.make_tensor_value_info("values", TensorProto.FLOAT, ["batch", "n"]),
            helper.make_tensor_value_info("hours", TensorProto.INT64, ["batch", "n"]),
        ],
        [
            helper.make_tensor_value_info("expected", TensorProto.FLOAT, ["batch", "n"]),
            helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch", "n"]),
            helper.make_tensor_value_info("anomaly", TensorProto.BOOL, ["batch", "n"]),
        ],
        [
            numpy_helper.from_array(profile.astype(np.float32), "profile"),
            numpy_helper.from_array(np.array(scale, np.float32), "scale"),
            numpy_helper.from_array(np.array(THRESHOLD, np.float32), "threshold"),
        ],
        "traffic_anomaly_detector",
    )


def models(values: list[float], hours: list[int]) -> list[tuple[str, str, bytes, dict]]:
    """(name, description, ONNX bytes, example input) of each gallery model, fitted on an
    hourly series and the UTC hour of day of each of its values."""
    y, h = np.asarray(values, float), np.asarray(hours, np.int64)
    last_day = [round(v, 1) for v in values[-DAY:]]
    spiked = [*last_day[:-6], round(last_day[-6] + 400, 1), *last_day[-5:]]
    return [
        (
            GALLERY_FORECASTER,
            "Vehicles per hour at Main St. for the next 24 hours, from the last 24 hourly "
            "counts (a ridge regression fitted on the sensor's week). Input history: "
            "[batch, 24]; output forecast: [batch, 24].",
            forecaster(y),
            {"inputs": {"history": [last_day]}},
        ),
        (
            GALLERY_DETECTOR,
            "Flags counts far from the usual for their hour of day (median per UTC hour, "
            f"robust z-score above {THRESHOLD:g}). Inputs values: [batch, n] and hours: "
            "[batch, n] (0 to 23); outputs expected, score and anomaly.",
            detector(y, h),
            {"inputs": {"values": [spiked], "hours": [[int(x) for x in hours[-DAY:]]]}},
        ),
    ]


def install(owner: Wallet, values: list[float], hours: list[int]) -> list[Artifact]:
    """Store the gallery models as public artifacts of `owner`. The fit depends only on
    the readings, so a second run stores the same bytes: the same artifacts."""
    installed = []
    for name, description, data, example in models(values, hours):
        artifact, created = services.upload_artifact(
            owner,
            name=name,
            media_type=MediaType.ONNX,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            visibility=Visibility.PUBLIC,
            content=SimpleUploadedFile(f"{name}.onnx", data),
        )
        if created:
            artifact.description, artifact.example = description, example
            artifact.save(update_fields=["description", "example"])
        installed.append(artifact)
    return installed
