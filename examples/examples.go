// Package examples holds the example files shipped with ward. The demo mode
// loads them, so they are kept valid by the tests that run it.
package examples

import _ "embed"

// Team is examples/team.yaml: the team that `ward serve --demo` loads.
//
//go:embed team.yaml
var Team []byte
