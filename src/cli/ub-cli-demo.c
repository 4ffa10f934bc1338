/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "ub-cli-demo.h"
#include "ub-emu-demo.h"

/* The demo mode's phone, server and temporary folder. */
struct _UbCliDemo
{
  UbEmuDemo *demo;
};

void
ub_cli_demo_stop (UbCliDemo *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->demo);
  g_free (self);
}

UbCliDemo *
ub_cli_demo_start (GError **error)
{
  g_autoptr(UbEmuDemo) demo = ub_emu_demo_new (error);
  UbCliDemo *self;

  if (demo == NULL)
    return NULL;
  self = g_new0 (UbCliDemo, 1);
  self->demo = g_steal_pointer (&demo);
  return self;
}

const char *
ub_cli_demo_get_address (UbCliDemo *self)
{
  return ub_emu_demo_get_address (self->demo);
}

char *
ub_cli_demo_make_image (UbCliDemo *self,
                        guint64    size,
                        GError   **error)
{
  g_autofree char *path = g_build_filename (ub_emu_demo_get_dir (self->demo), "demo-boot.img", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autofree guint32 *block = g_new (guint32, 1024 * 1024 / 4);
  guint32 state = 2166136261u;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (out == NULL)
    return NULL;
  /* quarters: pseudo-random data, zeros, a repeated pattern, data again */
  for (guint64 done = 0; done < size; done += 1024 * 1024)
    {
      guint quarter = (guint) (done * 4 / size);
      for (guint i = 0; i < 1024 * 1024 / 4; i++)
        {
          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          block[i] = quarter == 1 ? 0 : quarter == 2 ? 0xdeadbeef : state;
        }
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), block,
                                      MIN (1024 * 1024, size - done), NULL, NULL, error))
        return NULL;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error))
    return NULL;
  return g_steal_pointer (&path);
}

gboolean
ub_cli_demo_get_catalog (UbCliDemo   *self,
                         const char **latest_url,
                         const char **history_url,
                         const char **mirror_url,
                         char       **cache_dir,
                         GError     **error)
{
  *latest_url = ub_emu_demo_get_catalog_url (self->demo, error);
  if (*latest_url == NULL)
    return FALSE;
  *history_url = ub_emu_demo_get_history_url (self->demo, NULL);
  *mirror_url = ub_emu_demo_get_mirror_url (self->demo, NULL);
  *cache_dir = g_build_filename (ub_emu_demo_get_dir (self->demo), "catalog-cache", NULL);
  return TRUE;
}

gboolean
ub_cli_demo_get_recovery (UbCliDemo   *self,
                          const char **address,
                          const char **update_server_url,
                          const char **mirror_url,
                          GError     **error)
{
  /* enter_recovery() enables the locked phone first */
  if (ub_emu_demo_get_recovery_address (self->demo) == NULL &&
      !ub_emu_demo_enter_recovery (self->demo, error))
    return FALSE;
  *address = ub_emu_demo_get_recovery_address (self->demo);
  *update_server_url = ub_emu_demo_get_update_server_url (self->demo);
  *mirror_url = ub_emu_demo_get_mirror_url (self->demo, error);
  return *mirror_url != NULL;
}
