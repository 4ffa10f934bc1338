/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "ub-online-error.h"
#include "ub-online-uri.h"

#define MAX_REDIRECTS 10

gboolean
ub_online_uri_is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
ub_online_uri_check (GUri       *uri,
                     const char *shown,
                     GError    **error)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);

  if (host == NULL || host[0] == '\0')
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                   _("The link “%s” has no server name. Copy the full download link "
                     "again (it starts with https://)."), shown);
      return FALSE;
    }
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      if (ub_online_uri_is_loopback_host (host))
        return TRUE;
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                   _("Unbrick downloads only over a secure connection, and “%s” is not one "
                     "(http://). Use the same link with https:// at the start."), shown);
      return FALSE;
    }
  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
               _("Unbrick downloads only https:// links; “%s” starts with “%s:”. "
                 "Copy the ROM’s https:// download link."), shown, scheme);
  return FALSE;
}

gboolean
ub_online_uri_redirect (SoupMessage *msg,
                        GUri        *from,
                        guint       *redirects,
                        GUri       **next)
{
  guint status = soup_message_get_status (msg);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                       "Location");

  *next = NULL;
  if (location == NULL ||
      (status != SOUP_STATUS_MOVED_PERMANENTLY && status != SOUP_STATUS_FOUND &&
       status != SOUP_STATUS_SEE_OTHER && status != SOUP_STATUS_TEMPORARY_REDIRECT &&
       status != SOUP_STATUS_PERMANENT_REDIRECT))
    return FALSE;
  if (++*redirects <= MAX_REDIRECTS)
    *next = g_uri_parse_relative (from, location, SOUP_HTTP_URI_FLAGS, NULL);
  return TRUE;
}
