"""The tenants' provisioner: a CloudFormation custom resource that applies the stage's tenants file as a diff."""
