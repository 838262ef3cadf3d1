"""Record queries (综合查询): a citizen's own records fetched through connectors."""
