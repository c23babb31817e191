"""One home for the logger and metrics every function uses (service and namespace come from the template)."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
