/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The TCP transport's framing (handshake, 8-byte big-endian lengths, frames
 * longer or shorter than a packet) from fuzzed bytes: a loopback server
 * thread answers the client's "FB01" with the input as it is, then closes.
 * Two connections per input: a client that runs getvar, getvar:all and a
 * download, and a phone-info probe (ub_phone_info_probe, as the detect page
 * does).
 */
#define _GNU_SOURCE  /* accept4 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-fuzz.h"
#include "ub-phone-info.h"

static int listener = -1;
static char *address;

typedef struct {
  const uint8_t *data;
  size_t         size;
  guint          connections;
} Serve;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;

  ub_fuzz_quiet_logs ();
  listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0 || bind (listener, (struct sockaddr *) &sin, sizeof sin) != 0 ||
      listen (listener, 4) != 0 || getsockname (listener, (struct sockaddr *) &sin, &len) != 0)
    g_error ("fuzz: loopback listener: %s", g_strerror (errno));
  address = g_strdup_printf ("tcp:127.0.0.1:%u", ntohs (sin.sin_port));
  return 0;
}

static gpointer
serve (gpointer user_data)
{
  Serve *s = user_data;

  for (guint c = 0; c < s->connections; c++)
    {
      int fd = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
      char buf[4096];
      size_t off = 0;
      gssize n;

      if (fd < 0)
        g_error ("fuzz: accept: %s", g_strerror (errno));
      /* the handshake first, as a device waits for it */
      for (size_t got = 0; got < 4; got += n)
        if ((n = recv (fd, buf, 4 - got, 0)) <= 0)
          break;
      while (off < s->size)
        {
          n = send (fd, s->data + off, s->size - off, MSG_NOSIGNAL);
          if (n <= 0)
            break;
          off += n;
        }
      shutdown (fd, SHUT_WR);
      while (recv (fd, buf, sizeof buf, 0) > 0)
        ;
      close (fd);
    }
  return NULL;
}

static void
check_error (GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == UB_FASTBOOT_ERROR || error->domain == G_IO_ERROR);
  g_assert_cmpuint (strlen (error->message), >, 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Serve s = { data, size, 2 };
  GThread *server;

  if (listener < 0)
    LLVMFuzzerInitialize (NULL, NULL);
  server = g_thread_new ("fuzz-server", serve, &s);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(UbFastbootClient) client = ub_fastboot_client_open (address, NULL, &error);

    if (client != NULL)
      {
        static const guint8 bytes[8] = "01234567";
        g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (bytes, sizeof bytes,
                                                                               NULL);
        g_autofree char *value = NULL;
        g_auto(GStrv) lines = NULL;

        ub_fastboot_client_set_timeouts (client, 2000, 2000, 2000);
        value = ub_fastboot_client_getvar (client, "product", NULL, &error);
        if (value == NULL)
          check_error (error);
        g_clear_error (&error);
        lines = ub_fastboot_client_getvar_all (client, NULL, &error);
        if (lines == NULL)
          check_error (error);
        g_clear_error (&error);
        if (!ub_fastboot_client_download (client, stream, sizeof bytes, NULL, NULL, NULL, &error))
          check_error (error);
        ub_fastboot_client_close (client);
      }
    else
      check_error (error);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(UbPhoneInfo) info = ub_phone_info_probe (address, NULL, &error);

    if (info == NULL)
      check_error (error);
  }
  g_thread_join (server);
  return 0;
}
