// A minimal SMTP server on loopback that keeps the mails it is given: the outer boundary we do not own.
import type { Socket } from "bun";

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

export function startFakeSmtp() {
  const mails: ReceivedMail[] = [];
  const waiters: ((m: ReceivedMail) => void)[] = [];
  type State = { buf: string; inData: boolean; mail: ReceivedMail };
  const server = Bun.listen<State>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(sock) {
        sock.data = { buf: "", inData: false, mail: { from: "", to: [], data: "" } };
        sock.write("220 fake-smtp ready\r\n");
      },
      data(sock: Socket<State>, chunk) {
        const st = sock.data;
        st.buf += chunk.toString();
        while (true) {
          if (st.inData) {
            const end = st.buf.indexOf("\r\n.\r\n");
            if (end === -1) return;
            st.mail.data = st.buf.slice(0, end);
            st.buf = st.buf.slice(end + 5);
            st.inData = false;
            mails.push(st.mail);
            waiters.shift()?.(st.mail);
            st.mail = { from: "", to: [], data: "" };
            sock.write("250 queued\r\n");
            continue;
          }
          const nl = st.buf.indexOf("\r\n");
          if (nl === -1) return;
          const line = st.buf.slice(0, nl);
          st.buf = st.buf.slice(nl + 2);
          const cmd = line.slice(0, 4).toUpperCase();
          if (cmd === "EHLO" || cmd === "HELO") sock.write("250-fake-smtp\r\n250 8BITMIME\r\n");
          else if (cmd === "MAIL") ((st.mail.from = line), sock.write("250 ok\r\n"));
          else if (cmd === "RCPT") (st.mail.to.push(/<([^>]+)>/.exec(line)?.[1] ?? line), sock.write("250 ok\r\n"));
          else if (cmd === "DATA") ((st.inData = true), sock.write("354 go on\r\n"));
          else if (cmd === "QUIT") (sock.write("221 bye\r\n"), sock.end());
          else sock.write("250 ok\r\n");
        }
      },
    },
  });
  return {
    url: `smtp://127.0.0.1:${server.port}`,
    mails,
    next: () => new Promise<ReceivedMail>((resolve) => waiters.push(resolve)),
    stop: () => server.stop(true),
  };
}

/**
 * A received mail as its reader sees it: headers as sent, the body undotted (SMTP doubles a dot that starts a
 * line) and decoded as its Content-Transfer-Encoding says. Only then: in a 7bit body "=37" is text, and in a
 * quoted-printable one it is "7".
 */
export function mailText(mail: ReceivedMail): string {
  const data = mail.data.replace(/(^|\r?\n)\.\./g, "$1.");
  const split = data.indexOf("\r\n\r\n");
  const head = data.slice(0, split);
  const body = data.slice(split + 4);
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  if (encoding === "base64") return `${head}\r\n\r\n${Buffer.from(body, "base64").toString("utf8")}`;
  if (encoding !== "quoted-printable") return data;
  const bytes = body
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return `${head}\r\n\r\n${Buffer.from(bytes, "latin1").toString("utf8")}`;
}
