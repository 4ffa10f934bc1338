/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The client against answers the fuzz targets only hint at, with exact
 * messages: more INFO lines than a command may take (memory stays bounded),
 * and a TCP frame announcing more than a response can be, followed by bytes
 * without end (the transport must not discard them for ever).
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
#include "ub-fuzz-transport.h"

static void
test_info_lines (void)
{
  g_autoptr(GByteArray) packets = g_byte_array_new ();
  g_autoptr(UbFuzzTransport) transport = NULL;
  g_autoptr(UbFastbootClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  for (guint i = 0; i <= UB_FASTBOOT_MAX_INFO_LINES + 5; i++)
    g_byte_array_append (packets, (const guint8 *) "\x0aINFOa: yes", 11);
  g_byte_array_append (packets, (const guint8 *) "\x04OKAY", 5);
  transport = ub_fuzz_transport_new (packets->data, packets->len);
  client = ub_fastboot_client_new (UB_TRANSPORT (transport));
  lines = ub_fastboot_client_getvar_all (client, NULL, &error);
  g_assert_null (lines);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL);
  g_assert_cmpstr (error->message, ==,
                   "The phone sent more than 10000 lines of text without finishing “getvar:all”");
  /* it stopped reading there: the rest was never taken */
  g_assert_false (ub_fuzz_transport_is_drained (transport));
}

typedef struct {
  int      listener;
  gboolean stop;
} Server;

static gpointer
endless_frame (gpointer user_data)
{
  Server *s = user_data;
  int fd = accept4 (s->listener, NULL, NULL, SOCK_CLOEXEC);
  guint8 buf[65536];
  guint8 header[8] = { 0, 0, 1, 0, 0, 0, 0, 0 };  /* 2^40 bytes */

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (recv (fd, buf, 4, MSG_WAITALL), ==, 4);
  g_assert_cmpint (send (fd, "FB01", 4, MSG_NOSIGNAL), ==, 4);
  g_assert_cmpint (recv (fd, buf, 8 + 14, MSG_WAITALL), ==, 8 + 14);  /* getvar:product */
  g_assert_cmpint (send (fd, header, 8, MSG_NOSIGNAL), ==, 8);
  memset (buf, 'x', sizeof buf);
  /* bytes without end, until the client hangs up */
  while (send (fd, buf, sizeof buf, MSG_NOSIGNAL) > 0 && !g_atomic_int_get (&s->stop))
    ;
  close (fd);
  return NULL;
}

static void
test_tcp_frame (void)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;
  Server s = { socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), FALSE };
  g_autoptr(UbFastbootClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *value = NULL;
  GThread *thread;
  gint64 start;

  g_assert_cmpint (bind (s.listener, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (s.listener, 1), ==, 0);
  g_assert_cmpint (getsockname (s.listener, (struct sockaddr *) &sin, &len), ==, 0);
  address = g_strdup_printf ("tcp:127.0.0.1:%u", ntohs (sin.sin_port));
  thread = g_thread_new ("endless-frame", endless_frame, &s);

  client = ub_fastboot_client_open (address, NULL, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  value = ub_fastboot_client_getvar (client, "product", NULL, &error);
  g_assert_null (value);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL);
  g_assert_cmpstr (error->message, ==,
                   "The device sent a response of 1099511627776 bytes, far too long");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_atomic_int_set (&s.stop, TRUE);
  ub_fastboot_client_close (client);
  g_thread_join (thread);
  close (s.listener);
}

int
main (int argc, char **argv)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostile-client/info-lines", test_info_lines);
  g_test_add_func ("/hostile-client/tcp-frame", test_tcp_frame);
  return g_test_run ();
}
