import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sanitizeFilename, sniffDocumentType } from "./files.js";

const PNG_BYTES = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082",
  "hex",
);

describe("document type sniffing", () => {
  it("recognises PDF, PNG and JPEG by their bytes", async () => {
    await expect(
      sniffDocumentType(Buffer.from("%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n")),
    ).resolves.toEqual({
      contentType: "application/pdf",
      ext: "pdf",
    });
    await expect(sniffDocumentType(PNG_BYTES)).resolves.toEqual({ contentType: "image/png", ext: "png" });
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64)]);
    await expect(sniffDocumentType(jpeg)).resolves.toMatchObject({ contentType: "image/jpeg" });
  });

  it("refuses a zip, plain text and empty content whatever they are called", async () => {
    const zip = Buffer.concat([Buffer.from("504b0304", "hex"), Buffer.alloc(60)]);
    for (const bytes of [zip, Buffer.from("hello, I am a pdf"), Buffer.alloc(0)]) {
      await expect(sniffDocumentType(bytes)).rejects.toMatchObject({ code: "UNSUPPORTED_DOCUMENT_TYPE" });
    }
  });
});

describe("filename sanitising", () => {
  it("keeps a plain name and forces the real extension", () => {
    expect(sanitizeFilename("Blood test March.pdf", "pdf")).toBe("Blood test March.pdf");
    expect(sanitizeFilename("scan.exe", "png")).toBe("scan.png");
    expect(sanitizeFilename("report", "pdf")).toBe("report.pdf");
  });

  it("drops directories, control characters and quotes", () => {
    expect(sanitizeFilename("../../etc/passwd", "pdf")).toBe("passwd.pdf");
    expect(sanitizeFilename("C:\\Users\\x\\résumé.pdf", "pdf")).toBe("resume.pdf");
    expect(sanitizeFilename('a"b\r\nc.pdf', "pdf")).toBe("a_b_c.pdf");
    expect(sanitizeFilename("", "jpg")).toBe("document.jpg");
    expect(sanitizeFilename(undefined, "jpg")).toBe("document.jpg");
  });

  it("always gives a short, header-safe name", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (name) => {
        const out = sanitizeFilename(name, "pdf");
        expect(out).toMatch(/^[A-Za-z0-9._ -]{1,100}$/);
        expect(out.endsWith(".pdf")).toBe(true);
        expect(out).not.toContain("/");
        expect(out.startsWith(".")).toBe(false);
      }),
    );
  });
});
