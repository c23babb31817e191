"""QuickBooks Desktop through the QuickBooks Web Connector: qbXML 13.0 over the Web Connector's SOAP."""
