package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Every relative link in the project's Markdown (the README, {@code docs/}, BENCHMARKS.md) reaches a file, and
 * every {@code #anchor} a heading of the page it names, as GitHub makes anchors from headings. Links inside code
 * are not links, and links to other sites are not followed.
 */
class DocumentationLinksTest {

    /** The project's root: the module's directory is the working directory of its tests. */
    private static final Path ROOT = Path.of("..");

    private static final Set<String> NOT_SOURCES = Set.of(".git", "target", "node_modules");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("#{1,6}\\s+(.*?)\\s*");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
    private static final Pattern OTHER_SITE = Pattern.compile("[a-z]+:.*");

    @Test
    void everyLinkInTheDocsReachesAFileAndEveryAnchorAHeading() throws IOException {
        final List<Path> pages = markdownFiles();
        assertThat(pages).contains(ROOT.resolve("README.md"), ROOT.resolve("docs/architecture.md"));

        final List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path page : pages) {
            final List<String> lines = prose(page);
            for (int i = 0; i < lines.size(); i++) {
                final Matcher link = LINK.matcher(lines.get(i));
                while (link.find()) {
                    final String target = link.group(1);
                    if (OTHER_SITE.matcher(target).matches()) {
                        continue;
                    }
                    links++;
                    final int hash = target.indexOf('#');
                    final String file = hash < 0 ? target : target.substring(0, hash);
                    final Path dest = file.isEmpty()
                            ? page
                            : page.getParent().resolve(file).normalize();
                    final String where = ROOT.relativize(page) + ":" + (i + 1) + ": " + target;
                    if (!Files.exists(dest)) {
                        broken.add(where + " (no such file)");
                    } else if (hash >= 0
                            && dest.toString().endsWith(".md")
                            && !anchors(dest).contains(target.substring(hash + 1))) {
                        broken.add(where + " (no such heading; there are " + anchors(dest) + ')');
                    }
                }
            }
        }
        assertThat(links).as("links found in %s", pages).isPositive();
        assertThat(broken).as("links that lead nowhere").isEmpty();
    }

    private static List<Path> markdownFiles() throws IOException {
        final List<Path> pages = new ArrayList<>();
        Files.walkFileTree(ROOT.normalize(), new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.getFileName() != null
                                && NOT_SOURCES.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (file.getFileName().toString().endsWith(".md")) {
                    pages.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        pages.sort(null);
        return pages;
    }

    /** The page's lines, with fenced code blocks blanked and code spans removed; line numbers are kept. */
    private static List<String> prose(Path page) throws IOException {
        final List<String> lines = new ArrayList<>();
        boolean inFence = false;
        for (String line : Files.readAllLines(page)) {
            if (line.strip().startsWith("```")) {
                inFence = !inFence;
                lines.add("");
            } else {
                lines.add(inFence ? "" : CODE_SPAN.matcher(line).replaceAll(""));
            }
        }
        return lines;
    }

    /**
     * The anchors GitHub makes of a page's headings: lower case, without punctuation, spaces as hyphens, and
     * {@code -1}, {@code -2}... after a repeated one.
     */
    private static Set<String> anchors(Path page) throws IOException {
        final Map<String, Integer> seen = new HashMap<>();
        final Set<String> anchors = new HashSet<>();
        boolean inFence = false;
        for (String line : Files.readAllLines(page)) {
            if (line.strip().startsWith("```")) {
                inFence = !inFence;
                continue;
            }
            final Matcher heading = HEADING.matcher(line);
            if (inFence || !heading.matches()) {
                continue;
            }
            final String anchor = heading.group(1)
                    .strip()
                    .toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                    .replace(' ', '-');
            final int repeats = seen.merge(anchor, 1, Integer::sum) - 1;
            anchors.add(repeats == 0 ? anchor : anchor + '-' + repeats);
        }
        return anchors;
    }
}
