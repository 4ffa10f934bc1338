/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* "localhost" or a loopback address (127.0.0.0/8, ::1). */
gboolean ub_online_uri_is_loopback_host (const char *host);

/*
 * The rule for every address Unbrick fetches from: https anywhere, plain http
 * only to this machine (tests, local mirrors). Else UB_ONLINE_ERROR_BAD_URL,
 * naming @shown (the address as the user or the catalog gave it).
 */
gboolean ub_online_uri_check        (GUri       *uri,
                                     const char *shown,
                                     GError    **error);

/*
 * Redirects are followed by hand so that each address passes ub_online_uri_check().
 * TRUE when @msg's answer is a redirect (301, 302, 303, 307, 308 with a Location);
 * then *next is where it points, relative to @from, or NULL when that is not a
 * valid address or more than 10 redirects were counted in *redirects.
 */
gboolean ub_online_uri_redirect     (SoupMessage *msg,
                                     GUri        *from,
                                     guint       *redirects,
                                     GUri       **next);

G_END_DECLS
