/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A 2 GiB recovery ROM (a generated sparse file) sideloaded to the emulated
 * Mi Assistant recovery over adb TCP, as UbRecoveryJob sends it
 * (ub_mi_assistant_sideload): MB/s served (both reads of the package), host
 * CPU seconds per GiB served and the host's peak RSS. The emulated recovery
 * and the fake update server run in another process (ub-recovery-server), so
 * this process's getrusage() is the host's alone. Targets: >= 200 MB/s,
 * <= 1 CPU-s/GiB, <= 64 MiB. Prints figures; fails only when the install
 * does not succeed. UB_BENCH_SIDELOAD_MIB changes the size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ub-mi-assistant.h"
#include "ub-recovery-job.h"
#include "ub-update-server.h"

#define MIB (1024 * 1024)
#define ROM_NAME "miui_BEGONIAGlobal_V14.0.9.0.TKFMIXM_0123456789_11.0.zip"

static double
cpu_seconds (const struct rusage *ru)
{
  return ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
         ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

/* MD5 of @size zero bytes (the sparse file), without reading it. */
static char *
md5_of_zeros (guint64 size)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guint8 *zeros = g_malloc0 (MIB);

  for (guint64 done = 0; done < size; done += MIB)
    g_checksum_update (sum, zeros, MIN (MIB, size - done));
  return g_strdup (g_checksum_get_string (sum));
}

typedef struct {
  guint64 served;
  guint   calls;
} Seen;

static void
on_progress (UbSideloadPhase phase,
             guint64         served,
             guint64         size,
             gpointer        user_data)
{
  Seen *seen = user_data;

  seen->served = served;
  seen->calls++;
}

int
main (int argc, char **argv)
{
  const char *build = g_getenv ("UB_BUILD_DIR");
  const char *mib_env = g_getenv ("UB_BENCH_SIDELOAD_MIB");
  guint64 size = (mib_env ? g_ascii_strtoull (mib_env, NULL, 10) : 2048) * MIB;
  g_autofree char *dir = g_dir_make_tmp ("ub-bench-sideload-XXXXXX", NULL);
  g_autofree char *rom = g_build_filename (dir, ROM_NAME, NULL);
  g_autofree char *received = g_build_filename (dir, "received.zip", NULL);
  g_autofree char *server_path = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *line1 = NULL;
  g_autofree char *line2 = NULL;
  g_autofree char *url = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(UbMiAssistant) phone = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autoptr(UbUpdateQuery) query = NULL;
  g_autoptr(UbUpdateServer) updates = NULL;
  g_autoptr(UbRomApproval) approval = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  struct rusage before, after;
  Seen seen = { 0 };
  gint64 t0, t1;
  double seconds, cpu, gib;
  gboolean ok;
  int fd;

  if (dir == NULL || build == NULL)
    {
      g_printerr ("bench-sideload: run it with meson test --benchmark (UB_BUILD_DIR)\n");
      return 77;
    }
  server_path = g_build_filename (build, "tests", "cli-recovery", "ub-recovery-server", NULL);

  /* the package: a sparse file of @size zero bytes */
  fd = g_open (rom, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate (fd, (off_t) size) != 0)
    {
      g_printerr ("bench-sideload: cannot make %s: %s\n", rom, g_strerror (errno));
      return 1;
    }
  close (fd);
  md5 = md5_of_zeros (size);

  /* the emulated recovery and the fake update server, in their own process */
  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             server_path, "--rom", rom, "--received", received, NULL);
  if (server == NULL)
    {
      g_printerr ("bench-sideload: %s\n", error->message);
      return 1;
    }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line1 = g_data_input_stream_read_line (out, NULL, NULL, &error);
  line2 = line1 ? g_data_input_stream_read_line (out, NULL, NULL, &error) : NULL;
  if (line2 == NULL || !g_str_has_prefix (line1, "adb ") || !g_str_has_prefix (line2, "update "))
    {
      g_printerr ("bench-sideload: the recovery did not start\n");
      return 1;
    }

  phone = ub_mi_assistant_open (line1 + 4, NULL, &error);
  info = phone ? ub_mi_assistant_read_info (phone, NULL, &error) : NULL;
  if (info == NULL)
    {
      g_printerr ("bench-sideload: %s\n", error->message);
      return 1;
    }
  query = ub_update_query_new_from_info (info);
  updates = ub_update_server_new ();
  url = g_strconcat (line2 + 7, "/updates/miotaV3.php", NULL);
  ub_update_server_set_urls (updates, url, url);
  approval = ub_update_server_approve (updates, query, md5, NULL, &error);
  if (approval == NULL)
    {
      g_printerr ("bench-sideload: %s\n", error->message);
      return 1;
    }

  file = g_file_new_for_path (rom);
  stream = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  getrusage (RUSAGE_SELF, &before);
  t0 = g_get_monotonic_time ();
  ok = ub_mi_assistant_sideload (phone, G_INPUT_STREAM (stream), size,
                                 ub_rom_approval_get_token (approval), on_progress, &seen,
                                 &message, NULL, &error);
  t1 = g_get_monotonic_time ();
  getrusage (RUSAGE_SELF, &after);
  ub_mi_assistant_close (phone);

  seconds = (t1 - t0) / 1e6;
  cpu = cpu_seconds (&after) - cpu_seconds (&before);
  gib = seen.served / (1024.0 * MIB);
  printf ("sideload of %.0f MiB over adb TCP (the recovery reads it twice): %s (%s)\n",
          size / (double) MIB, ok ? "installed" : "FAILED", message ? message : "");
  printf ("  served        %.2f GiB in %.2f s = %.0f MB/s   (target >= 200 MB/s)\n", gib, seconds,
          seen.served / seconds / 1e6);
  printf ("  host CPU      %.2f s = %.3f CPU-s per GiB served   (target <= 1)\n", cpu,
          gib > 0 ? cpu / gib : 0);
  printf ("                user %.2f s, system %.2f s (reading the file, the socket)\n",
          after.ru_utime.tv_sec - before.ru_utime.tv_sec +
            (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6,
          after.ru_stime.tv_sec - before.ru_stime.tv_sec +
            (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6);
  printf ("  host peak RSS %.1f MiB   (target <= 64 MiB)\n", after.ru_maxrss / 1024.0);
  printf ("  (the emulated recovery runs in another process: its CPU is not counted; the host's\n"
          "   RSS includes the GLib/libsoup/libcrypto libraries and the update server request)\n");

  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  g_unlink (rom);
  g_unlink (received);
  g_rmdir (dir);
  if (!ok)
    {
      g_printerr ("bench-sideload: %s\n", error->message);
      return 1;
    }
  return 0;
}
