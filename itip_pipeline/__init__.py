"""itip_pipeline: the IT i praksis warehouse — survey deliveries in, report indicators out."""
