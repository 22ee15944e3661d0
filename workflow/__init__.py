"""The order workflow, written with CDK's chainable Step Functions DSL."""
