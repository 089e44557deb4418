// Package teamfile holds the parser of team files: the declarative YAML that
// `ward apply -f team.yaml` reads into a ward.TeamSpec.
//
// A team file is
//
//	members:
//	  - email: ana@example.org    # required; the key that finds the member
//	    name: Ana                 # required for a new member
//	    role: responder           # admin, responder, triager or viewer
//	    timezone: Europe/Berlin   # IANA name
//	    workhours: "Mon-Fri 09:00-17:00"
//	    holidays: DE              # public-holiday calendar code; "" for none
//	    disabled: false
//	rotations:
//	  - name: src                 # required; [a-z0-9-], as it appears in URLs
//	    members: [ana@example.org, bo@example.org]   # in rotation order
//	    shift: 168h               # a Go duration, 1h to 8760h
//	    handoff: "Mon 09:00 America/Los_Angeles"     # weekday, time and zone
//	    start: 2026-01-05         # the first shift starts at the handoff on or after this day
//	    business_hours_only: true
//	tiers:
//	  - name: tier-1              # required; [a-z0-9-], as it appears in URLs
//	    description: "Core components: kube-apiserver, etcd access, kubelet"
//	    currency: USD             # ISO 4217 code, upper case
//	    bounties:                 # in minor units: 1000000 is 10,000.00 USD
//	      critical: 1000000       # critical, high, medium, low; a rating
//	      high: 500000            # left out earns no bounty
//	reminders:
//	  stale:                      # ping the commander of a triaged or tracked report
//	    critical: 2d              # not updated for this long: 2d days, 1w weeks,
//	    high: 7d                  # 1mo calendar months, or never; a rating left
//	    medium: 1mo               # out keeps its current threshold (by default
//	    low: never                # these four, and none: never)
//	notifications:
//	  channels:                   # all of the team's; one left out is removed
//	    - name: security-slack    # required; [a-z0-9-]
//	      kind: slack             # slack or webhook
//	      url_env: WARD_SLACK_WEBHOOK   # an incoming webhook's URL, from the environment
//	      kinds: [new_report, critical, ping]  # what it gets; all when left out
//	    - name: siem
//	      kind: webhook           # POSTs JSON signed with HMAC-SHA256
//	      url: https://siem.example.org/hooks/ward
//	      secret_env: WARD_SIEM_SECRET  # or secret_file: /run/secrets/siem
//
// Secrets are never in the file: it names the environment variables or
// files that hold them (url_env, token_env, secret_env, secret_file).
//
// A key left out keeps the member's, rotation's or tier's current value, or
// takes the default for a new one; that is why every field but the email
// and the rotation and tier names is a pointer in the spec, and why a tier's
// bounties are nil when the key is left out. Unknown keys are refused rather
// than ignored, so that a misspelt key is not silently dropped from what
// gets applied.
package teamfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/rotation"
	"go.yaml.in/yaml/v3"
)

// maxErrors bounds the report, so that feeding ward the wrong file gives a
// screenful rather than thousands of lines.
const maxErrors = 20

var (
	topKeys      = []string{"members", "rotations", "tiers", "reminders", "notifications", "integrations"}
	reminderKeys = []string{"stale"}
	notifyKeys   = []string{"channels"}
	channelKeys  = []string{"name", "kind", "url", "url_env", "secret_env", "secret_file", "token_env", "channel", "kinds"}
	memberKeys   = []string{"email", "name", "role", "timezone", "workhours", "holidays", "disabled"}
	rotationKeys = []string{"name", "members", "shift", "handoff", "start", "business_hours_only"}
	tierKeys     = []string{"name", "description", "currency", "bounties"}

	// urlName is what a rotation or a tier may be called: it appears in
	// URLs.
	urlName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

	currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

	// amount is how a bounty is written: YAML readers disagree on 010 (8
	// or 10) and on 1_000, and 0x3e8 is no way to write money.
	amount = regexp.MustCompile(`^(?:0|[1-9][0-9]*)$`)
)

const (
	// maxDescription bounds a tier's description: it is shown to the
	// triager choosing a tier, so a few sentences, not a policy.
	maxDescription = 2000
	// maxBounty bounds an amount in minor units; more is a slip of the
	// keyboard, and it keeps sums of many bounties far from overflow.
	maxBounty = 1_000_000_000_000
)

// The bounds of a shift: rotation.New refuses less than an hour, and a
// longer shift than a year is more likely a slip of the keyboard.
const (
	minShift = time.Hour
	maxShift = 8760 * time.Hour
)

// Parse reads a team file. name is the file name used in error messages.
// holidays checks the public-holiday calendar codes and must not be nil.
//
// Every value is checked as far as it can be without knowing the current
// team: a new member's missing name and a new rotation's missing start are
// left for ward.PlanTeam to report, a new tier's missing currency or
// bounties for the store, and a rotation member who is not under
// members: may already be on the team, so the store checks that. Emails
// are returned lower-case; a shift as its duration; the other values as
// written, less surrounding space. On failure the error is EINVALID and its message has
// one line per problem, "name:line: path: problem", in file order.
func Parse(name string, data []byte, holidays ward.HolidayChecker) (ward.TeamSpec, error) {
	p := &parser{name: name, data: data, holidays: holidays}
	var spec ward.TeamSpec
	if doc := p.decode(); doc != nil {
		spec = p.team(doc)
	}
	if err := p.err(); err != nil {
		return ward.TeamSpec{}, err
	}
	return spec, nil
}

type parser struct {
	name          string
	data          []byte
	holidays      ward.HolidayChecker
	errs          []lineError
	emails        map[string]int // canonical email under members: to the line that first gave it
	rotationNames map[string]int // rotation name to the line that first gave it
	tierNames     map[string]int // tier name to the line that first gave it
}

var lineBreaks = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\u0085", `\u0085`, "\u2028", `\u2028`, "\u2029", `\u2029`)

type lineError struct {
	line int
	msg  string
}

// errorf records an error. Line breaks in it are escaped, as the message
// has one line per error and some values come from the file unquoted.
func (p *parser) errorf(line int, path, format string, args ...any) {
	msg := lineBreaks.Replace(fmt.Sprintf(format, args...))
	if path != "" {
		msg = path + ": " + msg
	}
	p.errs = append(p.errs, lineError{line: line, msg: msg})
}

func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].line < p.errs[j].line })
	var b strings.Builder
	for i, e := range p.errs {
		if i == maxErrors {
			fmt.Fprintf(&b, "\n%s: and %d more errors", p.name, len(p.errs)-maxErrors)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d: %s", p.name, e.line, e.msg)
	}
	return &ward.Error{Code: ward.EINVALID, Message: b.String()}
}

// decode returns the content of the file's one document, or nil when the
// file is empty or cannot be read as YAML.
func (p *parser) decode() *yaml.Node {
	// The YAML reader would take UTF-16 too, but line numbers here count
	// UTF-8 lines; Windows editors that write UTF-16 can also save UTF-8.
	if bytes.HasPrefix(p.data, []byte{0xff, 0xfe}) || bytes.HasPrefix(p.data, []byte{0xfe, 0xff}) {
		p.errorf(1, "", "the file is in UTF-16; save it as UTF-8")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(p.data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if !errors.Is(err, io.EOF) {
			p.syntaxError(err)
		}
		return nil
	}
	// A second document would be silently ignored by a reader that stops
	// after the first, so the file would not mean what it says.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.syntaxError(err)
	default:
		p.errorf(extra.Line, "", "a second YAML document; a team file holds one, so remove the \"---\" and merge them")
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// syntaxError reports a file that is not YAML. The line in the YAML
// reader's message is often not where the mistake is: for some errors it is
// counted from 0, for others it is where the enclosing list or mapping
// starts, and for some it is missing. So it only says where to start
// looking; the line reported is the first one from there on that, with the
// lines before it, gives the same error. Reading more lines past that one
// gives the same error too, as the reader stops at the first, so the line
// is found by bisection rather than by reading the file once per line.
func (p *parser) syntaxError(err error) {
	start, msg := splitYAMLError(err)
	start = max(start, 1)
	last := 1 + bytes.Count(p.data, []byte("\n"))
	if start > last {
		start = last
	}
	line := start + sort.Search(last-start, func(i int) bool {
		perr := checkSyntax(firstLines(p.data, start+i))
		if perr == nil {
			return false
		}
		_, m := splitYAMLError(perr)
		return m == msg
	})
	p.errorf(line, "", "YAML syntax: %s", msg)
}

var yamlError = regexp.MustCompile(`(?s)^yaml: (?:line (\d+): )?(.*)$`)

// splitYAMLError returns the line (0 if none) and the text of a YAML
// reader's error.
func splitYAMLError(err error) (int, string) {
	m := yamlError.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, err.Error()
	}
	line, _ := strconv.Atoi(m[1])
	return line, m[2]
}

// checkSyntax reads every document in data and returns the first error.
func checkSyntax(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// firstLines returns the first n lines of data.
func firstLines(data []byte, n int) []byte {
	i := 0
	for ; n > 0; n-- {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return data
		}
		i += j + 1
	}
	return data[:i]
}

func (p *parser) team(n *yaml.Node) ward.TeamSpec {
	var spec ward.TeamSpec
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return spec
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, "", "want a mapping with the keys %s, got %s", strings.Join(topKeys, ", "), describe(n))
		return spec
	}
	p.mapping(n, "", topKeys, func(key string, v *yaml.Node) {
		switch key {
		case "members":
			spec.Members = p.members(v, key)
		case "rotations":
			spec.Rotations = p.rotations(v, key)
		case "tiers":
			spec.Tiers = p.tiers(v, key)
		case "reminders":
			spec.Reminders = p.reminders(v, key)
		case "notifications":
			spec.Channels = p.notifications(v, key)
		case "integrations":
			spec.Integrations = p.integrations(v, key)
		}
	})
	return spec
}

// notifications returns the team's channels, never nil when the key has
// a channels list (an empty one removes them all), nil when it has none.
func (p *parser) notifications(n *yaml.Node, path string) []ward.NotifyChannel {
	n = p.resolve(n, path)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping with the keys %s, got %s", strings.Join(notifyKeys, ", "), describe(n))
		return nil
	}
	var channels []ward.NotifyChannel
	p.mapping(n, path, notifyKeys, func(_ string, v *yaml.Node) {
		names := map[string]int{}
		channels = entries(p, v, path+".channels", "channels", func(e *yaml.Node, cpath string) ward.NotifyChannel {
			return p.channel(e, cpath, names)
		})
		if channels == nil {
			channels = []ward.NotifyChannel{}
		}
	})
	return channels
}

// channel returns one channel; when it has errors, they are reported and
// the channel is incomplete.
func (p *parser) channel(n *yaml.Node, path string, names map[string]int) ward.NotifyChannel {
	var c ward.NotifyChannel
	if n = p.entry(n, path, channelKeys); n == nil {
		return c
	}
	fields := map[string]*string{"kind": &c.Kind, "url": &c.URL, "url_env": &c.URLEnv, "secret_env": &c.SecretEnv,
		"secret_file": &c.SecretFile, "token_env": &c.TokenEnv, "channel": &c.Channel}
	p.mapping(n, path, channelKeys, func(key string, v *yaml.Node) {
		fpath := path + "." + key
		switch key {
		case "name":
			c.Name = p.uniqueName(v, fpath, "channel", names)
		case "kinds":
			c.Kinds = p.strings(v, fpath)
		default:
			if value, ok := p.str(v, fpath); ok {
				*fields[key] = value
			}
		}
	})
	if err := c.Validate(); err != nil && c.Name != "" {
		p.errorf(n.Line, path, "%s", checkerMessage(err))
	} else if c.Name == "" {
		p.errorf(n.Line, path, "name is required: it says which channel this is")
	}
	return c
}

// strings returns a list of non-empty strings.
func (p *parser) strings(n *yaml.Node, path string) []string {
	n = p.resolve(n, path)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n.Line, path, "want a list of words, got %s", describe(n))
		return nil
	}
	var out []string
	for i, item := range n.Content {
		if value, ok := p.str(item, fmt.Sprintf("%s[%d]", path, i)); ok && value != "" {
			out = append(out, value)
		}
	}
	return out
}

func (p *parser) members(n *yaml.Node, path string) []ward.MemberSpec {
	p.emails = map[string]int{}
	return entries(p, n, path, "members", p.member)
}

// entry resolves one list entry and checks that it is a mapping; it
// reports what is wrong and returns nil otherwise.
func (p *parser) entry(n *yaml.Node, path string, keys []string) *yaml.Node {
	n = p.resolve(n, path)
	if n != nil && n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping with the keys %s, got %s", strings.Join(keys, ", "), describe(n))
		return nil
	}
	return n
}

// entries reads a list of entries with item. A key with every entry
// commented out ("members:" and nothing under it) means none, as an empty
// file does.
func entries[T any](p *parser, n *yaml.Node, path, what string, item func(*yaml.Node, string) T) []T {
	n = p.resolve(n, path)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n.Line, path, "want a list of %s, got %s", what, describe(n))
		return nil
	}
	var specs []T
	for i, e := range n.Content {
		specs = append(specs, item(e, fmt.Sprintf("%s[%d]", path, i)))
	}
	return specs
}

// member returns the spec of one member; when it has errors, they are
// reported and the spec is incomplete.
func (p *parser) member(n *yaml.Node, path string) ward.MemberSpec {
	var s ward.MemberSpec
	if n = p.entry(n, path, memberKeys); n == nil {
		return s
	}
	hasEmail := false
	p.mapping(n, path, memberKeys, func(key string, v *yaml.Node) {
		fpath := path + "." + key
		if key == "email" {
			hasEmail = true
		}
		if key == "disabled" {
			s.Disabled = p.boolean(v, fpath)
			return
		}
		value, ok := p.str(v, fpath)
		if !ok {
			return
		}
		switch key {
		case "email":
			s.Email = p.email(value, v.Line, fpath, p.emails)
		case "name":
			switch {
			case value == "":
				p.errorf(v.Line, fpath, "must not be empty; leave the key out to keep the current name")
			case len(value) > 200:
				p.errorf(v.Line, fpath, "longer than 200 bytes")
			default:
				s.Name = &value
			}
		case "role":
			// The empty role is refused although a new member would take
			// the default: on an existing admin it would be a demotion.
			if r := ward.Role(value); r.Valid() {
				s.Role = &r
			} else {
				p.errorf(v.Line, fpath, "%q is not one of admin, responder, triager, viewer", value)
			}
		case "timezone":
			if ward.ValidTimeZone(value) == nil {
				s.TimeZone = &value
			} else {
				p.errorf(v.Line, fpath, "%q is not an IANA time zone such as Europe/Berlin", value)
			}
		case "workhours":
			if _, err := ward.ParseWorkHours(value); err == nil {
				s.WorkHours = &value
			} else {
				p.errorf(v.Line, fpath, "%v", err)
			}
		case "holidays":
			if _, err := p.holidays(value); err == nil {
				s.Holidays = &value
			} else {
				p.errorf(v.Line, fpath, "%s", checkerMessage(err))
			}
		}
	})
	if !hasEmail {
		p.errorf(n.Line, path, "email is required: it says which member this is")
	}
	return s
}

// email returns the canonical form of an email, and records it in seen to
// refuse it when it comes again.
func (p *parser) email(value string, line int, path string, seen map[string]int) string {
	email, err := ward.NormalizeEmail(value)
	if err != nil {
		p.errorf(line, path, "%q is not a plain address such as ana@example.org", value)
		return ""
	}
	if first, ok := seen[email]; ok {
		p.errorf(line, path, "%s is a duplicate of line %d (emails ignore case)", email, first)
		return email
	}
	seen[email] = line
	return email
}

func (p *parser) rotations(n *yaml.Node, path string) []ward.RotationSpec {
	p.rotationNames = map[string]int{}
	return entries(p, n, path, "rotations", p.rotation)
}

// rotation returns the spec of one rotation; when it has errors, they are
// reported and the spec is incomplete.
func (p *parser) rotation(n *yaml.Node, path string) ward.RotationSpec {
	var s ward.RotationSpec
	if n = p.entry(n, path, rotationKeys); n == nil {
		return s
	}
	hasName := false
	p.mapping(n, path, rotationKeys, func(key string, v *yaml.Node) {
		fpath := path + "." + key
		switch key {
		case "name":
			hasName = true
			s.Name = p.uniqueName(v, fpath, "rotation", p.rotationNames)
		case "members":
			s.Members = p.rotationMembers(v, fpath)
		case "shift":
			s.Shift = p.shift(v, fpath)
		case "handoff":
			value, ok := p.str(v, fpath)
			if !ok {
				return
			}
			if _, _, _, err := rotation.ParseHandoff(value); err != nil {
				p.errorf(v.Line, fpath, "%v", err)
				return
			}
			s.Handoff = &value
		case "start":
			s.Start = p.date(v, fpath)
		case "business_hours_only":
			s.BusinessHoursOnly = p.boolean(v, fpath)
		}
	})
	if !hasName {
		p.errorf(n.Line, path, "name is required: it says which rotation this is")
	}
	return s
}

// uniqueName returns the name of a rotation or tier (kind), and records it
// in seen to refuse it when it comes again.
func (p *parser) uniqueName(n *yaml.Node, path, kind string, seen map[string]int) string {
	value, ok := p.str(n, path)
	if !ok {
		return ""
	}
	if !urlName.MatchString(value) {
		p.errorf(n.Line, path, "%q is not a %s name: 1 to 63 lower-case letters, digits and hyphens, not starting with a hyphen", value, kind)
		return ""
	}
	if first, ok := seen[value]; ok {
		p.errorf(n.Line, path, "%s is a duplicate of line %d", value, first)
		return value
	}
	seen[value] = n.Line
	return value
}

// rotationMembers returns the emails of a rotation's members, in order and
// never nil: a nil list would keep the current members instead.
func (p *parser) rotationMembers(n *yaml.Node, path string) []string {
	n = p.resolve(n, path)
	if n == nil {
		return nil
	}
	// "members:" with every entry commented out says the same as "[]".
	if (n.Kind == yaml.ScalarNode && n.Tag == "!!null") || (n.Kind == yaml.SequenceNode && len(n.Content) == 0) {
		p.errorf(n.Line, path, "a rotation needs at least one member; leave the key out to keep the current list")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n.Line, path, "want a list of emails, got %s", describe(n))
		return nil
	}
	seen := map[string]int{}
	emails := []string{}
	for i, item := range n.Content {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		value, ok := p.str(item, ipath)
		if !ok {
			continue
		}
		if email := p.email(value, item.Line, ipath, seen); email != "" {
			emails = append(emails, email)
		}
	}
	return emails
}

// shift returns a Go duration such as 168h. A bare number is refused
// rather than given a unit, as nobody would agree on which.
func (p *parser) shift(n *yaml.Node, path string) *time.Duration {
	n = p.resolve(n, path)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		p.errorf(n.Line, path, "the number %s has no unit; write a duration such as 168h", n.Value)
		return nil
	}
	value, ok := p.str(n, path)
	if !ok {
		return nil
	}
	d, err := time.ParseDuration(value)
	switch {
	case err != nil:
		p.errorf(n.Line, path, "%q is not a duration such as 168h (units h, m, s)", value)
	case d < minShift:
		p.errorf(n.Line, path, "%s is shorter than an hour", value)
	case d > maxShift:
		p.errorf(n.Line, path, "%s is longer than a year, 8760h", value)
	default:
		return &d
	}
	return nil
}

func (p *parser) tiers(n *yaml.Node, path string) []ward.TierSpec {
	p.tierNames = map[string]int{}
	return entries(p, n, path, "tiers", p.tier)
}

// tier returns the spec of one tier; when it has errors, they are reported
// and the spec is incomplete.
func (p *parser) tier(n *yaml.Node, path string) ward.TierSpec {
	var s ward.TierSpec
	if n = p.entry(n, path, tierKeys); n == nil {
		return s
	}
	hasName := false
	p.mapping(n, path, tierKeys, func(key string, v *yaml.Node) {
		fpath := path + "." + key
		switch key {
		case "name":
			hasName = true
			s.Name = p.uniqueName(v, fpath, "tier", p.tierNames)
		case "description":
			// Empty is allowed: it clears the description.
			value, ok := p.str(v, fpath)
			if !ok {
				return
			}
			if len(value) > maxDescription {
				p.errorf(v.Line, fpath, "longer than %d bytes", maxDescription)
				return
			}
			s.Description = &value
		case "currency":
			s.Currency = p.currency(v, fpath)
		case "bounties":
			s.Bounties = p.bounties(v, fpath)
		}
	})
	if !hasName {
		p.errorf(n.Line, path, "name is required: it says which tier this is")
	}
	return s
}

func (p *parser) currency(n *yaml.Node, path string) *string {
	value, ok := p.str(n, path)
	if !ok {
		return nil
	}
	if currencyCode.MatchString(value) {
		return &value
	}
	// The lower-case code is refused rather than converted, as values are
	// returned as written; the hint makes the fix one keystroke away.
	// Three bytes that upper-case to three ASCII letters are ASCII letters.
	if up := strings.ToUpper(value); len(value) == 3 && currencyCode.MatchString(up) {
		p.errorf(n.Line, path, "%q is not a currency code: write it in upper case, %s", value, up)
		return nil
	}
	p.errorf(n.Line, path, "%q is not a currency code: three upper-case letters of ISO 4217, such as USD", value)
	return nil
}

// bounties returns a bounty table, never nil: a nil table would keep the
// current one instead. A rating left out earns no bounty.
func (p *parser) bounties(n *yaml.Node, path string) map[string]int64 {
	n = p.resolve(n, path)
	if n == nil {
		return nil
	}
	// "bounties:" with every rating commented out says the same as "{}".
	if (n.Kind == yaml.ScalarNode && n.Tag == "!!null") || (n.Kind == yaml.MappingNode && len(n.Content) == 0) {
		p.errorf(n.Line, path, "a bounty table needs at least one rating; leave the key out to keep the current table")
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping of ratings (%s) to amounts, got %s", strings.Join(ward.BountyRatings, ", "), describe(n))
		return nil
	}
	table := map[string]int64{}
	p.mapping(n, path, ward.BountyRatings, func(rating string, v *yaml.Node) {
		if a, ok := p.amount(v, path+"."+rating); ok {
			table[rating] = a
		}
	})
	return table
}

// amount returns a bounty in minor units: a whole number from 0 to
// maxBounty, written in plain decimal digits.
func (p *parser) amount(n *yaml.Node, path string) (int64, bool) {
	n = p.resolve(n, path)
	switch {
	case n == nil:
		return 0, false
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		p.errorf(n.Line, path, "no value; give an amount, or leave the rating out for no bounty")
		return 0, false
	case n.Kind != yaml.ScalarNode || n.Tag != "!!int":
		p.errorf(n.Line, path, "want a whole number of minor units, such as 1000000 for 10,000.00 USD, got %s", describe(n))
		return 0, false
	}
	value := strings.TrimSpace(n.Value)
	if strings.HasPrefix(value, "-") {
		p.errorf(n.Line, path, "%s is negative; a bounty is 0 or more", value)
		return 0, false
	}
	if !amount.MatchString(value) {
		p.errorf(n.Line, path, "write %s in plain decimal digits without leading zeros, such as 1000000", value)
		return 0, false
	}
	a, err := strconv.ParseInt(value, 10, 64)
	if err != nil || a > maxBounty {
		p.errorf(n.Line, path, "%s is more than %d, the most a bounty may be", value, int64(maxBounty))
		return 0, false
	}
	return a, true
}

// reminders returns the team's reminders, or nil when the key holds none.
func (p *parser) reminders(n *yaml.Node, path string) *ward.RemindersSpec {
	n = p.resolve(n, path)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping with the keys %s, got %s", strings.Join(reminderKeys, ", "), describe(n))
		return nil
	}
	var s ward.RemindersSpec
	p.mapping(n, path, reminderKeys, func(_ string, v *yaml.Node) {
		s.Stale = p.staleThresholds(v, path+".stale")
	})
	return &s
}

// staleThresholds returns a threshold for each rating given, or nil when
// none is, which keeps the current ones.
func (p *parser) staleThresholds(n *yaml.Node, path string) map[string]ward.Period {
	n = p.resolve(n, path)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, path, "want a mapping of ratings (%s) to periods such as 2d, 1w or 1mo, got %s", strings.Join(ward.StaleRatings, ", "), describe(n))
		return nil
	}
	th := map[string]ward.Period{}
	p.mapping(n, path, ward.StaleRatings, func(rating string, v *yaml.Node) {
		fpath := path + "." + rating
		// "2d" and "never" are strings to YAML; a bare number is not
		// given a unit, as nobody would agree on which.
		if r := p.resolve(v, fpath); r != nil && r.Kind == yaml.ScalarNode && (r.Tag == "!!int" || r.Tag == "!!float") {
			p.errorf(r.Line, fpath, "the number %s has no unit; write a period such as 2d, 1w or 1mo", r.Value)
			return
		}
		value, ok := p.str(v, fpath)
		if !ok {
			return
		}
		period, err := ward.ParsePeriod(value)
		if err != nil {
			p.errorf(v.Line, fpath, "%s", checkerMessage(err))
			return
		}
		th[rating] = period
	})
	return th
}

// date returns a civil date as written, 2006-01-02. An unquoted date is
// a timestamp to YAML; its text is what counts, so quoted or not it reads
// the same, and a time of day is refused rather than dropped.
func (p *parser) date(n *yaml.Node, path string) *string {
	n = p.resolve(n, path)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		p.errorf(n.Line, path, "no value; give one or leave the key out")
		return nil
	case n.Kind != yaml.ScalarNode || (n.Tag != "!!timestamp" && n.Tag != "!!str"):
		p.errorf(n.Line, path, "want a date such as 2026-01-05, got %s", describe(n))
		return nil
	}
	value := strings.TrimSpace(n.Value)
	if _, err := time.Parse(time.DateOnly, value); err != nil {
		p.errorf(n.Line, path, "%q is not a date such as 2026-01-05", value)
		return nil
	}
	return &value
}

// mapping calls set for each known key of m in file order, and reports keys
// that are unknown, not strings, or given twice. A repeated key is refused
// because YAML readers disagree on which value wins.
func (p *parser) mapping(m *yaml.Node, path string, known []string, set func(key string, value *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k.Line, path, "want a key such as %s, got %s", known[0], describe(k))
			continue
		}
		if k.Tag == "!!merge" {
			p.errorf(k.Line, path, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		if !slices.Contains(known, k.Value) {
			p.errorf(k.Line, path, "unknown key %q (known keys: %s)", k.Value, strings.Join(known, ", "))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			p.errorf(k.Line, path, "key %q given twice, first on line %d", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		set(k.Value, v)
	}
}

// resolve follows an alias to the value it names. Aliases of lists and
// mappings are refused: a team file has no use for them without merge keys,
// and walking them again and again would let a small file cost a lot.
func (p *parser) resolve(n *yaml.Node, path string) *yaml.Node {
	if n.Kind != yaml.AliasNode {
		return n
	}
	if n.Alias == nil || n.Alias.Kind != yaml.ScalarNode {
		p.errorf(n.Line, path, "an alias (*%s) may only name a single value, not a list or mapping", n.Value)
		return nil
	}
	// Errors belong on the line that uses the value, not the one that
	// defines it.
	v := *n.Alias
	v.Line, v.Column = n.Line, n.Column
	return &v
}

// str returns the trimmed string value of n. Other scalars are refused
// rather than converted, so that "name: 2024" does not pass unnoticed and
// "holidays: NO" stays a country code.
func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	n = p.resolve(n, path)
	switch {
	case n == nil:
		return "", false
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		p.errorf(n.Line, path, "no value; give one or leave the key out")
		return "", false
	case n.Kind == yaml.ScalarNode && n.Tag != "!!str":
		p.errorf(n.Line, path, "want a string, got %s; quote it if it is meant", describe(n))
		return "", false
	case n.Kind != yaml.ScalarNode:
		p.errorf(n.Line, path, "want a string, got %s", describe(n))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

func (p *parser) boolean(n *yaml.Node, path string) *bool {
	n = p.resolve(n, path)
	if n == nil {
		return nil
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		p.errorf(n.Line, path, "want true or false, got %s", describe(n))
		return nil
	}
	return &b
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!bool":
		return "the boolean " + n.Value
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!timestamp":
		return "the date " + n.Value
	}
	return fmt.Sprintf("a value tagged %q", n.Tag)
}

// checkerMessage returns the text of an error from the holiday checker
// without the "ward: invalid:" prefix that a *ward.Error would add.
func checkerMessage(err error) string {
	var e *ward.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
