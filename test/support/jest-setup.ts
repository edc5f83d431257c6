// Integration tests drive real PostgreSQL, Redis and nmap; scans take seconds, not milliseconds.
jest.setTimeout(120_000);
