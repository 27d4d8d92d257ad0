#include "services/homework/core/templates/library.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/templates.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

templates::TemplateLibrary Embedded() {
  absl::StatusOr<templates::TemplateLibrary> library =
      ParseTemplateLibrary(EmbeddedTemplateLibraryText());
  EXPECT_THAT(library, IsOk());
  return library.ok() ? *library : templates::TemplateLibrary();
}

// A library of one template that passes every check; tests break one thing in it.
constexpr absl::string_view kOneTemplate = R"pb(
  templates {
    name: "templates/walk"
    title: "Take a walk"
    exercise {
      kind: EXERCISE_KIND_CUSTOM
      instructions: "Walk around the block."
      custom { description: "A short walk." }
    }
    schedule {
      target_count: 1
      period: PERIOD_DAY
      minutes_per_practice: 10
      habit_anchor { when: EVENT_TIMING_AFTER_LUNCH client_words: "after lunch" }
      environmental_cue: "Shoes by the door"
      minimum_version: "Step outside for two minutes."
    }
  }
)pb";

templates::TemplateLibrary OneTemplate() {
  absl::StatusOr<templates::TemplateLibrary> library = ParseTemplateLibrary(kOneTemplate);
  EXPECT_THAT(library, IsOk());
  return library.ok() ? *library : templates::TemplateLibrary();
}

TEST(TemplateLibraryTest, TheEmbeddedLibraryLoadsAndPassesTheServicesChecks) {
  EXPECT_THAT(LoadBuiltInTemplates(), IsOk());
  const templates::TemplateLibrary library = Embedded();
  EXPECT_THAT(CheckTemplateLibrary(library), IsOk());
  ASSERT_THAT(library.templates(), SizeIs(17));
  std::set<std::string> names;
  for (const v1::Template& t : library.templates()) {
    SCOPED_TRACE(t.name());
    EXPECT_TRUE(names.insert(t.name()).second) << "listed twice";
    Violations violations;
    ValidateTemplate(t, "template", violations);
    EXPECT_THAT(violations.ToStatus(), IsOk());
  }
  ASSERT_THAT(library.hierarchy_templates(), SizeIs(1));
  EXPECT_EQ(library.hierarchy_templates(0).name(), "hierarchyTemplates/social-anxiety-ladder");
  EXPECT_THAT(library.hierarchy_templates(0).hierarchy().steps(), SizeIs(5));
}

TEST(TemplateLibraryTest, KnownTemplatesHaveTheirTitles) {
  std::vector<std::string> titles;
  for (absl::string_view id : {"thought-record", "exposure-practice", "safety-plan", "phq-9"}) {
    const v1::Template* t = FindBuiltInTemplate(absl::StrCat("templates/", id));
    ASSERT_NE(t, nullptr) << id;
    titles.push_back(t->title());
  }
  EXPECT_THAT(titles, ElementsAre("Thought record", "Face a feared situation, step by step",
                                  "My safety plan", "Mood questionnaire (PHQ-9)"));
}

TEST(TemplateLibraryTest, TheServiceServesTheEmbeddedTemplatesInNameOrder) {
  templates::TemplateLibrary library = Embedded();
  std::vector<v1::Template> sorted(library.templates().begin(), library.templates().end());
  std::sort(sorted.begin(), sorted.end(),
            [](const v1::Template& a, const v1::Template& b) { return a.name() < b.name(); });
  const std::vector<v1::Template>& served = BuiltInTemplates();
  ASSERT_EQ(served.size(), sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(served[i], sorted[i]))
        << sorted[i].name();
  }
  const v1::Hierarchy* ladder =
      BuiltInHierarchyTemplate("hierarchyTemplates/social-anxiety-ladder");
  ASSERT_NE(ladder, nullptr);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      *ladder, library.hierarchy_templates(0).hierarchy()));
}

TEST(TemplateLibraryTest, AMalformedTextIsRefusedNamingItsLine) {
  EXPECT_THAT(ParseTemplateLibrary("templates {\n"
                                   "  name: \"templates/walk\"\n"
                                   "  title: \"Take a walk\n"
                                   "}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 3:")));
  EXPECT_THAT(ParseTemplateLibrary("templates {\n"
                                   "  name: \"templates/walk\"\n"
                                   "\n"
                                   "  titel: \"Take a walk\"\n"
                                   "}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 4:"), HasSubstr("no field named \"titel\""))));
  EXPECT_THAT(ParseTemplateLibrary("templates {\n"
                                   "  exercise { kind: EXERCISE_KIND_BREATHING }\n"
                                   "}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 2:"), HasSubstr("EXERCISE_KIND_BREATHING"))));
  EXPECT_THAT(ParseTemplateLibrary("templates {\n  name: \"templates/walk\"\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 3:")));
}

TEST(TemplateLibraryTest, TheChecksNameTheTemplateAtFault) {
  EXPECT_THAT(CheckTemplateLibrary(OneTemplate()), IsOk());

  templates::TemplateLibrary twice = OneTemplate();
  *twice.add_templates() = twice.templates(0);
  EXPECT_THAT(CheckTemplateLibrary(twice),
              StatusIs(absl::StatusCode::kInvalidArgument, "templates/walk is listed twice"));

  templates::TemplateLibrary unprefixed = OneTemplate();
  unprefixed.mutable_templates(0)->set_name("walk");
  EXPECT_THAT(CheckTemplateLibrary(unprefixed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"walk\"")));

  templates::TemplateLibrary no_minimum = OneTemplate();
  no_minimum.mutable_templates(0)->mutable_schedule()->clear_minimum_version();
  EXPECT_THAT(CheckTemplateLibrary(no_minimum),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("templates/walk.schedule.minimum_version")));

  templates::TemplateLibrary dated = OneTemplate();
  dated.mutable_templates(0)->mutable_schedule()->set_start_date("2026-11-26");
  EXPECT_THAT(CheckTemplateLibrary(dated),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("templates/walk.schedule.start_date")));

  templates::TemplateLibrary with_etag = OneTemplate();
  with_etag.mutable_templates(0)->set_etag("e1");
  EXPECT_THAT(CheckTemplateLibrary(with_etag),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("templates/walk: ")));
}

TEST(TemplateLibraryTest, AHierarchyTemplateHasATargetStepsAndNothingElse) {
  templates::TemplateLibrary library;
  templates::HierarchyTemplate& ladder = *library.add_hierarchy_templates();
  ladder.set_name("hierarchyTemplates/heights");
  ladder.mutable_hierarchy()->set_target("Heights");
  ladder.mutable_hierarchy()->add_steps()->set_situation("Look out of a first-floor window");
  EXPECT_THAT(CheckTemplateLibrary(library), IsOk());

  ladder.mutable_hierarchy()->mutable_anchors()->set_calm("On my sofa");
  EXPECT_THAT(CheckTemplateLibrary(library), StatusIs(absl::StatusCode::kInvalidArgument,
                                                      HasSubstr("hierarchyTemplates/heights")));
  ladder.mutable_hierarchy()->clear_anchors();

  *library.add_hierarchy_templates() = ladder;
  EXPECT_THAT(
      CheckTemplateLibrary(library),
      StatusIs(absl::StatusCode::kInvalidArgument, "hierarchyTemplates/heights is listed twice"));
}

}  // namespace
}  // namespace therapy::homework
