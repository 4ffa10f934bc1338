/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ub-test-http.h"

#define TRUNCATED_EXTRA 1000

typedef struct {
  GBytes         *body;           /* NULL: 404 */
  char           *etag;
  char           *last_modified;
  UbTestHttpMode  mode;
  guint           status;
  char           *redirect;
  guint           requests;
  guint           numbered;       /* bodies sent in UB_TEST_HTTP_NUMBERED */
  GHashTable     *last_headers;   /* lower-case name → value */
} Resource;

struct _UbTestHttp {
  GMutex        lock;
  GCond         cond;
  GHashTable   *resources;        /* path → Resource */
  guint         requests;

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *base;
};

static void
resource_free (gpointer data)
{
  Resource *r = data;

  g_clear_pointer (&r->body, g_bytes_unref);
  g_free (r->etag);
  g_free (r->last_modified);
  g_free (r->redirect);
  g_clear_pointer (&r->last_headers, g_hash_table_unref);
  g_free (r);
}

/* Under lock. */
static Resource *
resource_get (UbTestHttp *http,
              const char *path)
{
  Resource *r = g_hash_table_lookup (http->resources, path);

  if (r == NULL)
    {
      r = g_new0 (Resource, 1);
      g_hash_table_insert (http->resources, g_strdup (path), r);
    }
  return r;
}

/* After the body went out: close the connection short of the announced length. */
static void
truncate_connection (SoupServerMessage *msg,
                     gpointer           user_data)
{
  g_socket_shutdown (soup_server_message_get_socket (msg), FALSE, TRUE, NULL);
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  UbTestHttp *http = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  const char *if_none_match = soup_message_headers_get_one (request, "If-None-Match");
  const char *if_modified = soup_message_headers_get_one (request, "If-Modified-Since");
  Resource *r;

  g_mutex_lock (&http->lock);
  http->requests++;
  r = resource_get (http, path);
  r->requests++;
  g_clear_pointer (&r->last_headers, g_hash_table_unref);
  r->last_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_iter_init (&iter, request);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_hash_table_replace (r->last_headers, g_ascii_strdown (name, -1), g_strdup (value));

  if (r->redirect != NULL)
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, r->redirect);
      goto out;
    }
  if (r->status != 0)
    {
      soup_server_message_set_status (msg, r->status, NULL);
      goto out;
    }
  if (r->body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      goto out;
    }
  if (r->etag != NULL)
    soup_message_headers_replace (response, "ETag", r->etag);
  if (r->last_modified != NULL)
    soup_message_headers_replace (response, "Last-Modified", r->last_modified);
  if ((if_none_match != NULL && g_strcmp0 (if_none_match, r->etag) == 0) ||
      (if_none_match == NULL && if_modified != NULL &&
       g_strcmp0 (if_modified, r->last_modified) == 0))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      goto out;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  switch (r->mode)
    {
    case UB_TEST_HTTP_NORMAL:
      soup_message_headers_set_content_length (response, g_bytes_get_size (r->body));
      soup_message_body_append_bytes (body, r->body);
      soup_message_body_complete (body);
      break;
    case UB_TEST_HTTP_CHUNKED:
      soup_message_headers_set_encoding (response, SOUP_ENCODING_CHUNKED);
      soup_message_body_append_bytes (body, r->body);
      soup_message_body_complete (body);
      break;
    case UB_TEST_HTTP_TRUNCATED:
      soup_message_headers_set_content_length (response,
                                               g_bytes_get_size (r->body) + TRUNCATED_EXTRA);
      soup_message_body_append_bytes (body, r->body);
      /* never completed: the rest never comes, the connection closes */
      g_signal_connect (msg, "wrote-chunk", G_CALLBACK (truncate_connection), NULL);
      break;
    case UB_TEST_HTTP_NUMBERED:
      {
        g_autofree char *tail = g_strdup_printf ("#%u\n", ++r->numbered);
        g_autofree char *etag = g_strdup_printf ("\"%u\"", r->numbered);

        soup_message_headers_replace (response, "ETag", etag);
        soup_message_headers_set_content_length (response,
                                                 g_bytes_get_size (r->body) + strlen (tail));
        soup_message_body_append_bytes (body, r->body);
        soup_message_body_append (body, SOUP_MEMORY_COPY, tail, strlen (tail));
        soup_message_body_complete (body);
      }
      break;
    default:
      g_assert_not_reached ();
    }

out:
  g_mutex_unlock (&http->lock);
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
server_thread (gpointer user_data)
{
  UbTestHttp *http = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (http->context);
  http->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (http->server, NULL, handler, http, NULL);
  g_assert_true (soup_server_listen_local (http->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (http->server);
  g_mutex_lock (&http->lock);
  http->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_broadcast (&http->cond);
  g_mutex_unlock (&http->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (http->loop);

  soup_server_disconnect (http->server);
  g_clear_object (&http->server);
  while (g_main_context_iteration (http->context, FALSE))
    ;
  g_main_context_pop_thread_default (http->context);
  return NULL;
}

UbTestHttp *
ub_test_http_new (void)
{
  UbTestHttp *http = g_new0 (UbTestHttp, 1);

  g_mutex_init (&http->lock);
  g_cond_init (&http->cond);
  http->resources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, resource_free);
  http->context = g_main_context_new ();
  http->loop = g_main_loop_new (http->context, FALSE);
  http->thread = g_thread_new ("test-http", server_thread, http);
  g_mutex_lock (&http->lock);
  while (http->base == NULL)
    g_cond_wait (&http->cond, &http->lock);
  g_mutex_unlock (&http->lock);
  return http;
}

void
ub_test_http_free (UbTestHttp *http)
{
  if (http == NULL)
    return;
  g_main_context_invoke (http->context, quit_loop, http->loop);
  g_thread_join (http->thread);
  g_main_loop_unref (http->loop);
  g_main_context_unref (http->context);
  g_hash_table_unref (http->resources);
  g_free (http->base);
  g_mutex_clear (&http->lock);
  g_cond_clear (&http->cond);
  g_free (http);
}

const char *
ub_test_http_get_base (UbTestHttp *http)
{
  return http->base;
}

char *
ub_test_http_url (UbTestHttp *http,
                  const char *path)
{
  return g_strconcat (http->base, path, NULL);
}

void
ub_test_http_set (UbTestHttp *http,
                  const char *path,
                  GBytes     *body,
                  const char *etag,
                  const char *last_modified)
{
  Resource *r;

  g_mutex_lock (&http->lock);
  r = resource_get (http, path);
  g_clear_pointer (&r->body, g_bytes_unref);
  r->body = body != NULL ? g_bytes_ref (body) : NULL;
  g_free (r->etag);
  r->etag = g_strdup (etag);
  g_free (r->last_modified);
  r->last_modified = g_strdup (last_modified);
  g_mutex_unlock (&http->lock);
}

void
ub_test_http_set_mode (UbTestHttp     *http,
                       const char     *path,
                       UbTestHttpMode  mode)
{
  g_mutex_lock (&http->lock);
  resource_get (http, path)->mode = mode;
  g_mutex_unlock (&http->lock);
}

void
ub_test_http_set_status (UbTestHttp *http,
                         const char *path,
                         guint       status)
{
  g_mutex_lock (&http->lock);
  resource_get (http, path)->status = status;
  g_mutex_unlock (&http->lock);
}

void
ub_test_http_set_redirect (UbTestHttp *http,
                           const char *path,
                           const char *location)
{
  Resource *r;

  g_mutex_lock (&http->lock);
  r = resource_get (http, path);
  g_free (r->redirect);
  r->redirect = g_strdup (location);
  g_mutex_unlock (&http->lock);
}

guint
ub_test_http_get_requests (UbTestHttp *http,
                           const char *path)
{
  guint n;

  g_mutex_lock (&http->lock);
  if (path == NULL)
    n = http->requests;
  else
    {
      Resource *r = g_hash_table_lookup (http->resources, path);
      n = r != NULL ? r->requests : 0;
    }
  g_mutex_unlock (&http->lock);
  return n;
}

char *
ub_test_http_dup_last_header (UbTestHttp *http,
                              const char *path,
                              const char *name)
{
  g_autofree char *key = g_ascii_strdown (name, -1);
  char *value = NULL;
  Resource *r;

  g_mutex_lock (&http->lock);
  r = g_hash_table_lookup (http->resources, path);
  if (r != NULL && r->last_headers != NULL)
    value = g_strdup (g_hash_table_lookup (r->last_headers, key));
  g_mutex_unlock (&http->lock);
  return value;
}
