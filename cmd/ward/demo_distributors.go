package main

import (
	"context"
	"fmt"

	"github.com/wardsec/ward"
	"github.com/wardsec/ward/store"
)

// demoDistributors ask to join the distributors list: two wait in the
// queue, one is on the list and one was declined, so that a newcomer sees
// each state and a reason.
var demoDistributors = []struct {
	request  ward.DistributorRequest
	decision ward.DistributorDecision // empty: left pending
}{
	{request: ward.DistributorRequest{Organisation: "Northwind Linux", ContactName: "Noor Haddad", ContactEmail: "noor@northwind.example",
		ListAddress: "k8s-embargo@northwind.example", Answers: ward.DistributorAnswers{
			Distribution:   "Northwind Linux ships kubelet, kubeadm and kubectl packages for its LTS releases: https://northwind.example/kubernetes",
			UserBase:       "Public mirrors and some 4,000 subscribers; downloads are open to anyone.",
			TrackRecord:    "Security errata since 2019: https://northwind.example/errata?component=kubernetes",
			NotDownstream:  "Built from the upstream release tags by our own build service, with our own patches.",
			Contribution:   "Two maintainers review in SIG Node; we run the arm64 conformance jobs.",
			Voucher:        "Ana Keller, who worked with our security team on an earlier embargoed fix.",
			AcceptsEmbargo: true, ContributesBack: true}}},
	{request: ward.DistributorRequest{Organisation: "Contoso Kubernetes Service", ContactName: "Sam Okoro", ContactEmail: "sam.okoro@contoso.example",
		ListAddress: "psirt@contoso.example", Answers: ward.DistributorAnswers{
			Distribution:   "A managed Kubernetes service in three regions, named as such in its documentation.",
			UserBase:       "Public customers; a free tier is open to anyone.",
			TrackRecord:    "https://contoso.example/security/bulletins",
			NotDownstream:  "We build the control plane from upstream; nodes run our own images.",
			Contribution:   "Cloud provider code in SIG Cloud Provider.",
			Voucher:        "Not yet: we hope to be vouched for by Northwind Linux.",
			AcceptsEmbargo: true, ContributesBack: true}}},
	{request: ward.DistributorRequest{Organisation: "Fabrikam Cloud", ContactName: "Lena Vogt", ContactEmail: "lena.vogt@fabrikam.example",
		ListAddress: "kubernetes-security@fabrikam.example", Answers: ward.DistributorAnswers{
			Distribution:   "Fabrikam Kubernetes Engine, a managed service.",
			UserBase:       "Public customers in Europe.",
			TrackRecord:    "https://fabrikam.example/advisories",
			NotDownstream:  "Built from upstream sources.",
			Contribution:   "Maintainers in SIG Auth and SIG Storage.",
			Voucher:        "Ben Carter, from the work on the 1.31 fixes.",
			AcceptsEmbargo: true, ContributesBack: true}},
		decision: ward.DistributorDecision{Action: ward.DistributorApprove, Reason: "Vouched for by Ben; errata checked."}},
	{request: ward.DistributorRequest{Organisation: "Tailspin Mirror", ContactName: "Ravi Iyer", ContactEmail: "ravi@tailspin.example",
		ListAddress: "ravi@tailspin.example", Answers: ward.DistributorAnswers{
			Distribution:   "We mirror Fabrikam's packages for our customers.",
			UserBase:       "Our customers.",
			TrackRecord:    "We update when Fabrikam does.",
			NotDownstream:  "We add our own branding.",
			Contribution:   "None yet.",
			Voucher:        "Nobody yet.",
			AcceptsEmbargo: true, ContributesBack: true}},
		decision: ward.DistributorDecision{Action: ward.DistributorDecline,
			Reason: "A rebuild of Fabrikam Cloud's packages (criterion 4), whose users Fabrikam's membership covers; no security alias of its own."}},
}

// seedDemoDistributors files the demo's requests as their applicants, and
// has the responder decide on those the list shows decided.
func seedDemoDistributors(ctx context.Context, db *store.DB, responder *ward.Member) error {
	as := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorMember, Email: responder.Email, Role: responder.Role})
	for _, d := range demoDistributors {
		r := d.request
		applicant := ward.NewContextWithActor(ctx, ward.Actor{Kind: ward.ActorApplicant, Email: r.ContactEmail})
		if err := db.CreateDistributorRequest(applicant, &r); err != nil {
			return fmt.Errorf("%s: %w", r.Organisation, err)
		}
		if d.decision.Action == "" {
			continue
		}
		if _, err := db.DecideDistributorRequest(as, r.ID, r.Version, d.decision); err != nil {
			return fmt.Errorf("%s: %w", r.Organisation, err)
		}
	}
	return nil
}
