/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * A plain-HTTP server on 127.0.0.1 in its own thread for the src/online tests:
 * a table of paths, each with a body and validators. It answers conditional
 * GETs (If-None-Match, then If-Modified-Since) with 304 and records every
 * request. Failing the test on its own errors (g_assert).
 */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  UB_TEST_HTTP_NORMAL,     /* 200 with Content-Length */
  UB_TEST_HTTP_CHUNKED,    /* 200, chunked: no Content-Length */
  UB_TEST_HTTP_TRUNCATED,  /* announces 1000 bytes more than the body, then closes */
  UB_TEST_HTTP_NUMBERED,   /* 200, the body then "#N\n" and ETag "\"N\"", N counting the answers */
} UbTestHttpMode;

typedef struct _UbTestHttp UbTestHttp;

UbTestHttp *ub_test_http_new         (void);
void        ub_test_http_free        (UbTestHttp     *http);
/* "http://127.0.0.1:PORT" (no trailing slash) */
const char *ub_test_http_get_base    (UbTestHttp     *http);
/* "<base><path>", newly allocated */
char       *ub_test_http_url         (UbTestHttp     *http,
                                      const char     *path);

/* What @path serves from now on (@body NULL: 404); @etag, @last_modified may be NULL. */
void        ub_test_http_set         (UbTestHttp     *http,
                                      const char     *path,
                                      GBytes         *body,
                                      const char     *etag,
                                      const char     *last_modified);
void        ub_test_http_set_mode    (UbTestHttp     *http,
                                      const char     *path,
                                      UbTestHttpMode  mode);
/* Answer @status with no body (0: serve again). */
void        ub_test_http_set_status  (UbTestHttp     *http,
                                      const char     *path,
                                      guint           status);
/* A 302 to @location for @path. */
void        ub_test_http_set_redirect (UbTestHttp    *http,
                                       const char    *path,
                                       const char    *location);

/* Requests received for @path (NULL: all paths). */
guint       ub_test_http_get_requests (UbTestHttp    *http,
                                       const char    *path);
/* Header @name of the last request for @path, or NULL. */
char       *ub_test_http_dup_last_header (UbTestHttp *http,
                                          const char *path,
                                          const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbTestHttp, ub_test_http_free)

G_END_DECLS
