/** Never download a browser at install time: tests use Debian's /usr/bin/chromium. */
module.exports = { skipDownload: true };
