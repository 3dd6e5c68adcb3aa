"""Compile the example Kubeflow pipeline: import runs from MLflow, analyse, log back.

    pip install 'workbench[kfp]'
    python examples/kfp_pipeline.py                  # writes workbench_pipeline.yaml
    python examples/kfp_pipeline.py --image registry.example.com/workbench:0.1.0

Then upload workbench_pipeline.yaml in the Kubeflow Pipelines UI, or submit it:

    import kfp
    kfp.Client(host="https://kfp.example.com").create_run_from_pipeline_package(
        "workbench_pipeline.yaml",
        arguments={"tracking_uri": "http://mlflow.internal:5000", "experiment": "imagenet",
                   "maps": "accuracy=metrics.val_acc,latency_ms=metrics.p95_ms",
                   "volume_per_day": 1_000_000, "budget": 15_000})

The steps install workbench from your package index when they start (`--image` with
workbench already installed skips that). A SQLite tracking URI only works when every
step sees the same file; a cluster uses a tracking server.

To gate a model promotion on the decision, add a step that runs
`workbench check SESSION --expect-pick NAME` (exit 1 when the decision no longer holds).
"""

import argparse

from kfp import compiler

from workbench.integrations import kfp_components


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", default="workbench_pipeline.yaml")
    parser.add_argument("--image", help="an image with workbench installed (no pip at start)")
    args = parser.parse_args()
    pipeline = kfp_components.decision_pipeline
    if args.image:
        steps = kfp_components.components(image=args.image, packages=[])
        pipeline = kfp_components.make_pipeline(steps)
    compiler.Compiler().compile(pipeline, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
