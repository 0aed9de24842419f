// serve tests: see below
