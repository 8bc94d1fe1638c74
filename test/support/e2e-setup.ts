// End-to-end tests start and stop real processes: give each test room.
jest.setTimeout(180_000);
