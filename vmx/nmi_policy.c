/* What becomes of a host NMI; see nmi_policy.h. */
#include "nmi_policy.h"

#define NMI_BLOCKERS (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI)

void nmi_arrive(struct nmi_counts *s, enum nmi_where where, u64 n, bool can_reflect)
{
	if (!n)
		return;
	if (where == NMI_IN_GUEST)
		s->in_guest += n;
	else
		s->in_root += n;
	if (!can_reflect) {
		s->dropped += n;
		return;
	}
	/* one latch: what finds it full is lost, as on the processor */
	s->dropped += s->pending ? n : n - 1;
	s->pending = true;
}

enum nmi_action nmi_decide(const struct nmi_counts *s, bool event_pending, u32 interruptibility)
{
	if (!s->pending)
		return NMI_NONE;
	if (event_pending || (interruptibility & NMI_BLOCKERS))
		return NMI_WINDOW;
	return NMI_INJECT;
}

void nmi_injected(struct nmi_counts *s)
{
	s->pending = false;
	s->reflected++;
}
