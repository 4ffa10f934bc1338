/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * One small document (a catalog) fetched over HTTPS (plain http only to this
 * machine: same rule as UbDownload) into @cache_path, with the validators
 * (ETag, Last-Modified) and the fetch time in "<cache_path>.meta" (a GKeyFile).
 *
 * - cached copy younger than @max_age: returned without any request;
 * - else a conditional GET (If-None-Match / If-Modified-Since); 304 → cached
 *   copy, its time refreshed; 200 → body read up to @max_size bytes (more, or a
 *   Content-Length above it → UB_ONLINE_ERROR_BAD_DATA "… is larger than … ;
 *   refusing it"), written to "<cache_path>.tmp" and renamed (never a half file);
 * - network failure, timeout or HTTP error with a cached copy present: the cached
 *   copy, *offline = TRUE; without one: UB_ONLINE_ERROR_NETWORK (or BAD_URL for
 *   a refused scheme), nothing written.
 * The body is not parsed here; the caller validates it and calls
 * ub_cached_fetch_discard() when it is malformed, so the next try refetches.
 * @fetched: when the returned copy was fetched from the server. Blocking.
 */
GBytes   *ub_cached_fetch          (SoupSession   *session,   /* NULL: a private one */
                                    const char    *url,
                                    const char    *cache_path,
                                    GTimeSpan      max_age,
                                    gsize          max_size,
                                    GDateTime    **fetched,
                                    gboolean      *offline,
                                    GCancellable  *cancellable,
                                    GError       **error);
void      ub_cached_fetch_discard  (const char    *cache_path);

G_END_DECLS
