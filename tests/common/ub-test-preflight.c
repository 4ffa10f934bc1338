/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-fastboot-client.h"
#include "ub-test-preflight.h"
#include "ub-transport-open.h"

typedef struct {
  UbPreflight *preflight;
  const char  *address;
  gboolean     ok;
  GError      *error;
} UbTestPreflightRun;

static gpointer
ub_test_preflight_thread (gpointer data)
{
  UbTestPreflightRun *run = data;
  g_autoptr(UbTransport) transport = ub_transport_open (run->address, NULL, &run->error);
  g_autoptr(UbFastbootClient) client = NULL;

  if (transport == NULL)
    return NULL;
  client = ub_fastboot_client_new (transport);
  run->ok = ub_preflight_run (run->preflight, client, NULL, NULL, &run->error);
  return NULL;
}

UbPreflight *
ub_test_preflight_run (UbRom      *rom,
                       UbRomMode   mode,
                       const char *address)
{
  UbTestPreflightRun run = { NULL, address, FALSE, NULL };

  run.preflight = ub_preflight_new (rom, mode);
  g_thread_join (g_thread_new ("preflight", ub_test_preflight_thread, &run));
  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  return run.preflight;
}

void
ub_test_print_checks (UbPreflight *preflight)
{
  GPtrArray *checks = ub_preflight_get_checks (preflight);

  for (guint i = 0; i < checks->len; i++)
    {
      UbCheck *c = g_ptr_array_index (checks, i);
      g_printerr ("%s %s: %s (%s)\n", c->id, ub_check_status_to_string (c->status), c->title,
                  c->detail ? c->detail : "");
    }
}

const UbCheck *
ub_test_find_check (UbPreflight   *preflight,
                    const char    *id,
                    UbCheckStatus  status)
{
  GPtrArray *checks = ub_preflight_get_checks (preflight);

  for (guint i = 0; i < checks->len; i++)
    {
      UbCheck *c = g_ptr_array_index (checks, i);
      if (g_str_equal (c->id, id) && c->status == status)
        return c;
    }
  ub_test_print_checks (preflight);
  return NULL;
}
