#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/patterns.h>

#include <anodeless/core/errors.h>
#include <anodeless/core/parameter_reader.h>
#include <anodeless/core/prm_file.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <sstream>

namespace anodeless
{
  namespace
  {
    using Tree = boost::property_tree::ptree;

    /// The documentation of a declared entry; a numerical or run setting,
    /// which has no physical source, is tagged [N].
    std::string
    tagged_documentation(const Tree &entry)
    {
      std::string doc = entry.get<std::string>("documentation", "");
      for (const char *tag : {"[P]", "[V]", "[R]", "[D]", "[A]", "[N]"})
        if (doc.find(tag) != std::string::npos)
          return doc;
      return doc + (doc.empty() ? "" : " ") +
             "[N] numerical or run setting, no physical source.";
    }

    Tree
    declared_tree(const dealii::ParameterHandler &prm)
    {
      std::stringstream json;
      prm.print_parameters(json, dealii::ParameterHandler::JSON);
      Tree tree;
      boost::property_tree::read_json(json, tree);
      return tree;
    }

    // Navigate by '/'-separated path without boost's '.' separator.
    const Tree *
    find(const Tree &root, const std::string &path)
    {
      const Tree *node  = &root;
      std::size_t start = 0;
      while (start <= path.size())
        {
          const auto slash = path.find('/', start);
          const auto name =
            path.substr(start,
                        slash == std::string::npos ? std::string::npos :
                                                     slash - start);
          const auto child = node->find(name);
          if (child == node->not_found())
            return nullptr;
          node = &child->second;
          if (slash == std::string::npos)
            break;
          start = slash + 1;
        }
      return node;
    }

    bool
    is_entry(const Tree &node)
    {
      return node.find("value") != node.not_found() &&
             node.find("pattern_description") != node.not_found();
    }

    std::string
    display(const std::string &path)
    {
      return path.empty() ? std::string("the top level") :
                            "subsection '" + path + "'";
    }

    // Names of the entries (want_entries) or subsections of a node.
    std::string
    list_children(const Tree &node, const bool want_entries)
    {
      std::string list;
      for (const auto &child : node)
        if (is_entry(child.second) == want_entries)
          list += (list.empty() ? "" : ", ") + ("'" + child.first + "'");
      return list.empty() ? "none" : list;
    }

    std::string
    closest(const Tree &node, const std::string &name, const bool want_entries)
    {
      std::string  best;
      unsigned int best_distance = 4; // suggest only near misses
      for (const auto &child : node)
        if (is_entry(child.second) == want_entries)
          {
            const unsigned int d = edit_distance(name, child.first);
            if (d < best_distance)
              {
                best          = child.first;
                best_distance = d;
              }
          }
      return best;
    }

  } // namespace

  std::string
  describe_pattern(const std::string &description)
  {
    const auto inner = [&]() {
      std::string s = description;
      if (!s.empty() && s.front() == '[')
        s = s.substr(1);
      if (!s.empty() && s.back() == ']')
        s.pop_back();
      return s;
    }();
    const auto word_end = inner.find(' ');
    const auto kind     = inner.substr(0, word_end);
    auto rest = word_end == std::string::npos ? "" : inner.substr(word_end + 1);
    if (rest.rfind("range ", 0) == 0)
      rest = rest.substr(6);
    const auto range = [&](const std::string &what) {
      const auto dots = rest.find("...");
      if (dots == std::string::npos)
        return what;
      std::string low   = rest.substr(0, dots);
      std::string high  = rest.substr(dots + 3);
      high              = high.substr(0, high.find(' '));
      const bool no_low = low.find("MAX_DOUBLE") != std::string::npos ||
                          low.find("MIN_INT") != std::string::npos;
      const bool no_high = high.find("MAX_") != std::string::npos;
      if (no_low && no_high)
        return what;
      if (no_low)
        return what + " up to " + high;
      if (no_high)
        return what + " of at least " + low;
      return what + " from " + low + " to " + high;
    };
    if (kind == "Double")
      return range("a number");
    if (kind == "Integer")
      return range("a whole number");
    if (kind == "Bool")
      return "true or false";
    if (kind == "Selection")
      {
        std::string options = rest;
        while (!options.empty() && options.back() == ' ')
          options.pop_back();
        std::string out   = "one of: ";
        std::size_t start = 0;
        bool        first = true;
        while (start <= options.size())
          {
            const auto bar = options.find('|', start);
            out += (first ? "'" : ", '") +
                   options.substr(start,
                                  bar == std::string::npos ? std::string::npos :
                                                             bar - start) +
                   "'";
            first = false;
            if (bar == std::string::npos)
              break;
            start = bar + 1;
          }
        return out;
      }
    if (kind == "Anything")
      return "any text";
    if (kind == "FileName")
      return "a file name";
    if (kind == "DirectoryName")
      return "a directory name";
    return description;
  }

  std::string
  parameter_documentation(const dealii::ParameterHandler &prm,
                          const std::string              &path)
  {
    const Tree  tree = declared_tree(prm);
    const Tree *node = find(tree, path);
    if (node == nullptr || !is_entry(*node))
      return "";
    return node->get<std::string>("documentation", "");
  }

  void
  parse_checked(dealii::ParameterHandler &prm, const PrmFile &file)
  {
    const Tree tree = declared_tree(prm);

    for (const auto &section : file.subsections())
      {
        const Tree *node = find(tree, section.path);
        if (node != nullptr && !is_entry(*node))
          continue;
        const std::string parent = parent_path(section.path);
        const Tree *parent_node  = parent.empty() ? &tree : find(tree, parent);
        std::string message = "unknown subsection '" + leaf_name(section.path) +
                              "' in " + display(parent) + ".";
        if (parent_node != nullptr)
          {
            const auto hint =
              closest(*parent_node, leaf_name(section.path), false);
            if (!hint.empty())
              message += " Did you mean '" + hint + "'?";
            message += " The subsections there are: " +
                       list_children(*parent_node, false) + ".";
          }
        throw InputError(section.path, message, section.line);
      }

    for (const auto &entry : file.entries())
      {
        const Tree *node = find(tree, entry.path);
        if (node == nullptr || !is_entry(*node))
          {
            const std::string parent = parent_path(entry.path);
            const Tree       *parent_node =
              parent.empty() ? &tree : find(tree, parent);
            std::string message = "unknown parameter '" +
                                  leaf_name(entry.path) + "' in " +
                                  display(parent) + ".";
            if (parent_node != nullptr)
              {
                const auto hint =
                  closest(*parent_node, leaf_name(entry.path), true);
                if (!hint.empty())
                  message += " Did you mean '" + hint + "'?";
                message += " The parameters there are: " +
                           list_children(*parent_node, true) + ".";
              }
            throw InputError(entry.path, message, entry.line);
          }
        const std::string pattern =
          node->get<std::string>("pattern_description");
        const auto checker = dealii::Patterns::pattern_factory(pattern);
        if (!checker || !checker->match(entry.value))
          throw InputError(entry.path,
                           "the value '" + entry.value +
                             "' is not allowed. Allowed: " +
                             describe_pattern(pattern) + ". (" +
                             node->get<std::string>("documentation") + ")",
                           entry.line);
      }

    // The scan above has checked everything ParameterHandler checks; parse.
    try
      {
        prm.parse_input_from_string(file.text(), file.filename());
      }
    catch (const dealii::ExceptionBase &e)
      {
        std::ostringstream info;
        e.print_info(info);
        throw InputError("", "the file could not be parsed: " + info.str());
      }
  }

  void
  print_parameters_markdown(const dealii::ParameterHandler &prm,
                            std::ostream                   &out)
  {
    const Tree tree = declared_tree(prm);

    const auto escape = [](std::string s) {
      std::string r;
      for (const char c : s)
        {
          if (c == '|')
            r += "\\|";
          else if (c == '\n')
            r += ' ';
          else
            r += c;
        }
      return r;
    };

    std::function<void(const Tree &, const std::string &)> print =
      [&](const Tree &node, const std::string &path) {
        bool has_entries = false;
        for (const auto &child : node)
          has_entries = has_entries || is_entry(child.second);
        if (has_entries)
          {
            out << "\n## " << (path.empty() ? std::string("Top level") : path)
                << "\n\n"
                << "| parameter | default | allowed | description |\n"
                << "|---|---|---|---|\n";
            for (const auto &child : node)
              if (is_entry(child.second))
                out << "| " << escape(child.first) << " | `"
                    << escape(child.second.get<std::string>("default_value"))
                    << "` | "
                    << escape(describe_pattern(
                         child.second.get<std::string>("pattern_description")))
                    << " | " << escape(tagged_documentation(child.second))
                    << " |\n";
          }
        for (const auto &child : node)
          if (!is_entry(child.second))
            print(child.second,
                  path.empty() ? child.first : path + "/" + child.first);
      };
    print(tree, "");
  }

  void
  print_parameters_prm(const dealii::ParameterHandler &prm, std::ostream &out)
  {
    const Tree tree = declared_tree(prm);
    // Comment lines of at most 78 characters at the given indentation.
    const auto comment = [&](const std::string &indent,
                             const std::string &text) {
      std::istringstream words(text);
      std::string        word, line;
      while (words >> word)
        {
          if (!line.empty() &&
              indent.size() + 2 + line.size() + 1 + word.size() > 78)
            {
              out << indent << "# " << line << "\n";
              line.clear();
            }
          line += (line.empty() ? "" : " ") + word;
        }
      if (!line.empty())
        out << indent << "# " << line << "\n";
    };
    std::function<void(const Tree &, unsigned int)> print =
      [&](const Tree &node, const unsigned int depth) {
        const std::string indent(2 * depth, ' ');
        for (const auto &child : node)
          if (is_entry(child.second))
            {
              comment(indent, tagged_documentation(child.second));
              comment(indent,
                      "Allowed: " +
                        describe_pattern(child.second.get<std::string>(
                          "pattern_description")) +
                        ".");
              out << indent << "set " << child.first << " = "
                  << child.second.get<std::string>("value") << "\n\n";
            }
        for (const auto &child : node)
          if (!is_entry(child.second))
            {
              out << indent << "subsection " << child.first << "\n";
              print(child.second, depth + 1);
              out << indent << "end\n\n";
            }
      };
    out << "# The parameters of anodeless: what each means, its unit and "
           "source ([P] patent,\n# [V]/[R] literature, [D] derived, [A] "
           "assumption), what it allows, and its value.\n\n";
    print(tree, 0);
  }
} // namespace anodeless
