/*
 * helpdesk.c - the presets of [general] helpdesk; see helpdesk.h.
 *
 * Each entry says what the help desk puts in its own headers when it
 * sends a reply, and the words its templates give for the channel
 * (Zammad's article type, osTicket's %{ticket.source}, GLPI's
 * ##ticket.requesttype##, Zendesk's {{ticket.via}}, Freshdesk's source).
 * Only Request Tracker can add X-NPS-* headers of its own; the others
 * describe the ticket in the tag's attributes, and these patterns fill
 * what the tag leaves out.
 */
#include <string.h>
#include <strings.h>

#include "outgoing/helpdesk.h"

#define F(t, a, tm, st) { (t), (a), (tm), NULL, NULL, NULL, NULL, NULL, (st) }

static const struct helpdesk_preset presets[HELPDESK_COUNT] = {
	[HELPDESK_NONE] = { "none", F(NULL, NULL, NULL, NULL), NULL, NULL },
	/* X-RT-Ticket: rt.example.com #123; X-RT-Originator: the user
	 * whose action sent the mail, the agent who resolved it. */
	[HELPDESK_RT] = { "rt",
	    F("X-RT-Ticket: #([0-9]+)", "X-RT-Originator: ([^ ]+)", NULL,
	    NULL), NULL, NULL },
	/* Subject: ... [Ticket#31001]; the article type as channel. */
	[HELPDESK_ZAMMAD] = { "zammad",
	    F("Subject: \\[Ticket#([0-9]+)\\]", NULL, NULL, NULL), NULL,
	    "E-Mail: email, Twitter: social, Facebook: social, "
	    "Telegram: social, WhatsApp: social, SMS: phone, Form: web" },
	/* Subject: [Ticket#2024112310000012] ...; the communication
	 * channel or the article's sender type as channel. */
	[HELPDESK_ZNUNY] = { "znuny",
	    F("Subject: \\[Ticket#([0-9]+)\\]", NULL, NULL, NULL), NULL,
	    "E-Mail: email, email-external: email, phone-external: phone, "
	    "Internal: email, web-request: web" },
	[HELPDESK_OTOBO] = { "otobo",
	    F("Subject: \\[Ticket#([0-9]+)\\]", NULL, NULL, NULL), NULL,
	    "E-Mail: email, email-external: email, phone-external: phone, "
	    "Internal: email, web-request: web" },
	/* Subject: Re: ... [#123456]; one reply template: the reply that
	 * sets the status Closed (or Resolved) closes the ticket. */
	[HELPDESK_OSTICKET] = { "osticket",
	    F("Subject: \\[#([0-9]+)\\]", NULL, NULL, NULL),
	    "Closed, Resolved", "API: web" },
	/* Message-ID: <reply-123-hash@domain>: the conversation number.
	 * One reply template and no status variable: the saved reply that
	 * closes carries status="closed" in its tag. */
	[HELPDESK_FREESCOUT] = { "freescout",
	    F("Message-ID: <reply-([0-9]+)-", NULL, NULL, NULL),
	    "Closed, Resolved", "Chat: chat" },
	/* Subject: [GLPI #0000042] ...; ##ticket.requesttype##. */
	[HELPDESK_GLPI] = { "glpi",
	    F("Subject: \\[GLPI #0*([0-9]+)\\]", NULL, NULL, NULL), NULL,
	    "E-Mail: email, Helpdesk: web, Phone: phone, Direct: phone, "
	    "Written: email" },
	/* X-Redmine-Issue-Id, -Assignee, X-Redmine-Project; one footer on
	 * every note: the note that sets Closed or Resolved closes. */
	[HELPDESK_REDMINE] = { "redmine",
	    F("X-Redmine-Issue-Id: ([0-9]+)",
	    "X-Redmine-Issue-Assignee: ([^ ]+)", "X-Redmine-Project: ([^ ]+)",
	    NULL), "Closed, Resolved", NULL },
	/* {%ticket.source%}: email or website. */
	[HELPDESK_UVDESK] = { "uvdesk", F(NULL, NULL, NULL, NULL), NULL,
	    "Website: web, Knowledgebase: web" },
	/* {{ticket.via}}. */
	[HELPDESK_ZENDESK] = { "zendesk", F(NULL, NULL, NULL, NULL), NULL,
	    "Mail: email, Web form: web, Web Widget: web, API: web, "
	    "Messaging: chat, Twitter: social, Facebook: social, "
	    "Phone call (incoming): phone, Phone call (outgoing): phone, "
	    "Voicemail: phone" },
	/* {{ticket.source}}. */
	[HELPDESK_FRESHDESK] = { "freshdesk", F(NULL, NULL, NULL, NULL),
	    NULL, "Portal: web, Feedback Widget: web, Outbound Email: email, "
	    "Mobihelp: chat, Twitter: social, Facebook: social" },
};

const struct helpdesk_preset *
helpdesk_preset(enum helpdesk h)
{
	return (size_t)h < HELPDESK_COUNT ? &presets[h] :
	    &presets[HELPDESK_NONE];
}

const char *
helpdesk_alias_in(const char *list, const char *w, size_t n, size_t *len)
{
	const char *item = list, *end, *colon, *name;
	size_t wl;

	while (item != NULL && *item != '\0') {
		while (*item == ' ' || *item == ',')
			item++;
		end = strchr(item, ',');
		if (end == NULL)
			end = item + strlen(item);
		colon = memchr(item, ':', (size_t)(end - item));
		if (colon != NULL) {
			for (wl = (size_t)(colon - item); wl > 0 &&
			    item[wl - 1] == ' '; wl--)
				;
			for (name = colon + 1; *name == ' '; name++)
				;
			if (wl == n && strncasecmp(item, w, n) == 0) {
				for (*len = (size_t)(end - name); *len > 0 &&
				    name[*len - 1] == ' '; (*len)--)
					;
				return name;
			}
		}
		item = end;
	}
	return NULL;
}

const char *
helpdesk_alias_next(const char **pos, size_t *len)
{
	const char *item = *pos, *end, *colon, *name;

	while (item != NULL && *item != '\0') {
		while (*item == ' ' || *item == ',')
			item++;
		end = strchr(item, ',');
		if (end == NULL)
			end = item + strlen(item);
		colon = memchr(item, ':', (size_t)(end - item));
		*pos = item = end;
		if (colon == NULL)
			continue;
		for (name = colon + 1; *name == ' '; name++)
			;
		for (*len = (size_t)(end - name); *len > 0 &&
		    name[*len - 1] == ' '; (*len)--)
			;
		if (*len > 0)
			return name;
	}
	return NULL;
}

bool
helpdesk_word_in(const char *list, const char *w, size_t n, size_t *len)
{
	const char *item = list, *end;
	size_t il;

	while (n > 0 && (*w == ' ' || *w == '\t')) {
		w++;
		n--;
	}
	while (n > 0 && (w[n - 1] == ' ' || w[n - 1] == '\t'))
		n--;
	while (item != NULL && *item != '\0') {
		while (*item == ' ' || *item == ',')
			item++;
		end = strchr(item, ',');
		if (end == NULL)
			end = item + strlen(item);
		for (il = (size_t)(end - item); il > 0 && item[il - 1] == ' ';
		    il--)
			;
		if (il == n && n > 0 && strncasecmp(item, w, n) == 0) {
			*len = il;
			return true;
		}
		item = end;
	}
	return false;
}
