"""cdk-nag (on every synth) and cfn-lint (on every template) find nothing unexplained."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def test_every_nag_acknowledgement_names_an_exact_finding_with_a_reason(dev_app) -> None:
    # A nag finding without an acknowledgement makes synth raise (see the next test), so reaching here
    # means zero open findings. What was acknowledged is in the assembly's metadata.
    acknowledged: dict[str, str] = {}
    for metadata in dev_app.outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    acknowledged.update({f"{path} {rule}": reason for rule, reason in entry["data"].items()})
    nag = {key: reason for key, reason in acknowledged.items() if "AwsSolutions::AwsSolutions-" in key}
    assert nag, "no cdk-nag acknowledgement found: is the plugin wired?"
    for key, reason in nag.items():
        assert len(reason) > 40, f"{key}: reason too thin: {reason!r}"
        if "IAM5" in key or "IAM4" in key:
            assert "[" in key, f"{key}: an IAM finding must be acknowledged by its exact finding id"


def test_an_unexplained_nag_finding_fails_synth(tmp_path) -> None:
    # In this process (aws_cdk and cdk_nag are loaded already by the session's synthesis): a subprocess would
    # spend ten seconds importing them again.
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=str(tmp_path))
    s3.Bucket(cdk.Stack(app, "Insecure"), "NoLogsNoTls")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match="AwsSolutions-S1"):
        app.synth()


def test_cfn_lint_finds_no_error_in_any_template(prod_app) -> None:
    # The stage that is deployed for real. Dev's templates are the same constructs with other settings (retention,
    # removal policies, the buckets' auto-delete), which CloudFormation validates on deploy: linting them too cost
    # fifteen seconds of CPU per test run.
    synthesized = prod_app
    templates = [str(p) for p in synthesized.template_files()]
    assert len([t for t in templates if ".nested." not in t]) == 7  # six stacks and the tenants
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", "--", *templates],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert result.returncode in (0, 4, 8, 12) and not errors, result.stdout[-4000:] + result.stderr[-2000:]
