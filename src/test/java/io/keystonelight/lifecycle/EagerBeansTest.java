package io.keystonelight.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.keystonelight.support.ServerInThisJvm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.AnnotationConfigUtils;
import org.springframework.context.event.EventListener;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.SimpleMetadataReaderFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.annotation.Schedules;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Under {@code spring.main.lazy-initialization} a bean that is never asked for is never made, and a
 * {@code @Scheduled} method of a bean never made never runs: the once-a-second fsync, active
 * expiry and the compaction check would silently stop. Spring Boot's own filter that kept such
 * beans eager is left out of the start for what it cost ({@link EagerServerBeans}), so this
 * checks, on the whole server as it starts (HTTP side included), that every bean definition whose
 * class has a {@code @Scheduled} method, the server's or a library's, was made by the start and
 * its methods are scheduled.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class EagerBeansTest {

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void serverInTheTestsFolder(DynamicPropertyRegistry registry) {
        ServerInThisJvm.serverIn(registry, () -> folder);
    }

    @Autowired
    ConfigurableApplicationContext context;

    @Test
    void everyBeanWithAScheduledMethodIsMadeByTheStartAndItsMethodsAreScheduled() {
        ConfigurableListableBeanFactory beans = this.context.getBeanFactory();
        Map<String, Set<String>> scheduledMethodsByBean = methodsByBean(EagerBeansTest::scheduledMethods);
        // Not a test that passes on an empty list: the server's three scheduled methods must be found.
        assertThat(scheduledMethodsByBean.values().stream().flatMap(Set::stream))
                .as("@Scheduled methods of the started server's beans")
                .contains("io.keystonelight.store.KeyValueStore.syncEverySecond",
                        "io.keystonelight.store.KeyValueStore.expireSome",
                        "io.keystonelight.compaction.CompactionScheduler.compactWhenDue");

        Set<String> notMade = scheduledMethodsByBean.keySet().stream()
                .filter(name -> !beans.containsSingleton(name))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(notMade).as("beans with a @Scheduled method (%s) left unmade by the start, which "
                + "never runs their methods; expected every one made", scheduledMethodsByBean).isEmpty();

        Set<String> scheduled = scheduledTasks();
        Set<String> expected = scheduledMethodsByBean.values().stream().flatMap(Set::stream)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(scheduled).as("methods the scheduler holds once the server serves; expected every "
                + "@Scheduled method of every bean").containsAll(expected);
    }

    @Test
    void springBootsFilterForScheduledBeansIsNotInTheStart() {
        assertThat(this.context.getBeanFactory().containsBeanDefinition(EagerServerBeans.SCHEDULED_BEANS_FILTER))
                .as("Spring Boot's @Scheduled filter, which lists the methods of every bean's class at "
                        + "start; expected taken out by EagerServerBeans")
                .isFalse();
    }

    /**
     * Spring's {@code @EventListener} processor is left out of the start ({@link EagerServerBeans}),
     * so such a method would never be called: a listener the server relies on (the endpoint's
     * announcement, compaction's stop) would silently go deaf.
     */
    @Test
    void noBeanOfTheStartedServerHasAnEventListenerMethodAndTheSearchIsNotInTheStart() {
        assertThat(this.context.getBeanFactory()
                .containsBeanDefinition(AnnotationConfigUtils.EVENT_LISTENER_PROCESSOR_BEAN_NAME))
                .as("Spring's @EventListener processor, which lists the methods of every bean's class at "
                        + "start; expected taken out by EagerServerBeans")
                .isFalse();
        assertThat(methodsByBean(EagerBeansTest::eventListenerMethods))
                .as("beans with @EventListener methods, which the start no longer registers; expected none "
                        + "(implement ApplicationListener instead)")
                .isEmpty();
    }

    /** The server's classes that are not beans of this start (cluster mode's, for one) are checked from their bytecode. */
    @Test
    void noClassOfTheServerDeclaresAnEventListenerMethod() throws Exception {
        String root = getClass().getPackageName().substring(0, getClass().getPackageName().lastIndexOf('.'));
        Resource[] classes = new PathMatchingResourcePatternResolver()
                .getResources("classpath*:" + root.replace('.', '/') + "/**/*.class");
        SimpleMetadataReaderFactory readers = new SimpleMetadataReaderFactory();
        Set<String> declaring = new TreeSet<>();
        for (Resource resource : classes) {
            MetadataReader reader = readers.getMetadataReader(resource);
            if (reader.getAnnotationMetadata().hasAnnotatedMethods(EventListener.class.getName())) {
                declaring.add(reader.getClassMetadata().getClassName());
            }
        }
        // Not a check that passes on an empty scan: the server's classes must have been read.
        assertThat(classes).as("class files of the server found on the class path").hasSizeGreaterThan(100);
        assertThat(declaring).as("classes of the server with @EventListener methods, which the start no "
                + "longer registers; expected none (implement ApplicationListener instead)").isEmpty();
    }

    /** The annotated methods of each bean definition's class, by bean name; beans without any are left out. */
    private Map<String, Set<String>> methodsByBean(Function<Class<?>, Set<String>> annotatedMethods) {
        ConfigurableListableBeanFactory beans = this.context.getBeanFactory();
        Map<String, Set<String>> methodsByBean = new TreeMap<>();
        for (String name : beans.getBeanDefinitionNames()) {
            Class<?> type = beans.getType(name, false);
            if (type != null) {
                Set<String> methods = annotatedMethods.apply(ClassUtils.getUserClass(type));
                if (!methods.isEmpty()) {
                    methodsByBean.put(name, methods);
                }
            }
        }
        return methodsByBean;
    }

    private static Set<String> eventListenerMethods(Class<?> type) {
        Map<Method, Boolean> annotated = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<Boolean>) method -> AnnotatedElementUtils
                        .hasAnnotation(method, EventListener.class) ? Boolean.TRUE : null);
        return annotated.keySet().stream().map(EagerBeansTest::describe)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> scheduledMethods(Class<?> type) {
        Map<Method, Boolean> annotated = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<Boolean>) method -> AnnotatedElementUtils
                        .getMergedRepeatableAnnotations(method, Scheduled.class, Schedules.class).isEmpty() ? null
                                : Boolean.TRUE);
        return annotated.keySet().stream().map(EagerBeansTest::describe)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** What the scheduler holds, each task named as Spring names a scheduled method: class, dot, method. */
    private Set<String> scheduledTasks() {
        Set<String> methods = new TreeSet<>();
        for (ScheduledTaskHolder holder : this.context.getBeansOfType(ScheduledTaskHolder.class).values()) {
            for (ScheduledTask task : holder.getScheduledTasks()) {
                methods.add(task.toString());
            }
        }
        return methods;
    }

    private static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName();
    }
}
