"""Online services (网上办事): service guides (办事指南), online applications (网办) and their working-day clocks."""
